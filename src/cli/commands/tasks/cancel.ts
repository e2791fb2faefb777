import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { idProblem } from '../../../queue/task.js';
import { fail } from '../../../errors.js';

interface Args {
  root?: string;
  id: string;
}

export const tasksCancel: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-cancel <id>',
  describe: 'cancel a queued task, or kill a running one (its whole process group); it ends in failed/ as cancelled',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .example('$0 tasks-cancel deploy', 'it ends in failed/ as cancelled') as unknown as Argv<Args>,
  handler: async (argv) => {
    const bad = idProblem(String(argv.id));
    if (bad) throw fail('usage', bad);
    const how = await storeFrom(argv).cancel(String(argv.id));
    process.stdout.write(`${argv.id} ${how.replace('cancelled-', 'cancelled (was ')})\n`);
  },
};
