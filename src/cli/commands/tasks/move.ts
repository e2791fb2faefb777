/** `tasks-move ID --first | --after ID2`: reorder a queued or held task within its priority. */
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { fail } from '../../../errors.js';
import { checkIds } from './ids.js';

interface Args {
  root?: string;
  id: string;
  first?: boolean;
  after?: string;
}

export const tasksMove: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-move <id>',
  describe: 'reorder a queued or held task among those of its priority: first, or right after another',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('first', { type: 'boolean', describe: 'before every other task of its priority' })
      .option('after', { type: 'string', describe: 'right after this task (same priority)' })
      .example('$0 tasks-move urgent --first', 'next of its priority to run')
      .example('$0 tasks-move b --after a', 'b runs right after a') as unknown as Argv<Args>,
  handler: async (argv) => {
    const [id] = checkIds([argv.id]);
    if (!!argv.first === (argv.after !== undefined)) throw fail('usage', 'give --first or --after ID');
    const place = argv.first ? { first: true as const } : { after: checkIds([argv.after])[0] };
    await storeFrom(argv).move(id, place);
    process.stdout.write(`${id} moved\n`);
  },
};
