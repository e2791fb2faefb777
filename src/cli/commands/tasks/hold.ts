/** `tasks-hold ID...`, `tasks-release ID...`: keep queued tasks from being claimed, and let them go. */
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { checkIds } from './ids.js';

interface Args {
  root?: string;
  ids: string[];
}

export const tasksHold: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-hold <ids..>',
  describe: 'hold queued tasks: no worker claims them until tasks-release (they keep their place)',
  builder: (y) => y.positional('ids', { type: 'string', array: true, demandOption: true }).example('$0 tasks-hold deploy', 'deploy waits until released') as unknown as Argv<Args>,
  handler: async (argv) => {
    const store = storeFrom(argv);
    for (const id of checkIds(argv.ids)) process.stdout.write(`${id} ${(await store.hold(id)) === 'held' ? 'held' : 'was held already'}\n`);
  },
};

export const tasksRelease: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-release <ids..>',
  describe: 'release held tasks back to the queue, at their place in dispatch order',
  builder: (y) => y.positional('ids', { type: 'string', array: true, demandOption: true }).example('$0 tasks-release deploy', 'deploy may run now') as unknown as Argv<Args>,
  handler: async (argv) => {
    const store = storeFrom(argv);
    for (const id of checkIds(argv.ids)) process.stdout.write(`${id} ${(await store.release(id)) === 'released' ? 'released' : 'was queued already'}\n`);
  },
};
