/** `tasks-rm ID...`: remove finished tasks and their logs. */
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { checkIds } from './ids.js';

interface Args {
  root?: string;
  ids: string[];
}

export const tasksRm: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-rm <ids..>',
  describe: 'remove finished tasks (done or failed) and their logs; a queued, held or running one is refused (cancel it first)',
  builder: (y) => y.positional('ids', { type: 'string', array: true, demandOption: true }).example('$0 tasks-rm build', 'build and its logs are gone') as unknown as Argv<Args>,
  handler: async (argv) => {
    const store = storeFrom(argv);
    for (const id of checkIds(argv.ids)) {
      await store.remove(id);
      process.stdout.write(`${id} removed\n`);
    }
  },
};
