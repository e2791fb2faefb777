import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { idProblem } from '../../../queue/task.js';
import { fail } from '../../../errors.js';

interface Args {
  root?: string;
  id?: string;
  allFailed?: boolean;
}

export const tasksRetry: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-retry [id]',
  describe: 'move a failed task back to the queue with a fresh attempt (earlier logs are kept)',
  builder: (y) =>
    y
      .positional('id', { type: 'string' })
      .option('all-failed', { type: 'boolean', describe: 'retry every failed task' })
      .example('$0 tasks-retry deploy', 'retry one')
      .example('$0 tasks-retry --all-failed', 'retry all failed tasks') as unknown as Argv<Args>,
  handler: async (argv) => {
    const store = storeFrom(argv);
    if (argv.allFailed) {
      if (argv.id) throw fail('usage', 'give an ID or --all-failed, not both');
      for (const id of await store.retryAllFailed()) process.stdout.write(`${id}\n`);
      return;
    }
    if (!argv.id) throw fail('usage', 'which task? give an ID, or --all-failed');
    const bad = idProblem(String(argv.id));
    if (bad) throw fail('usage', bad);
    await store.retry(String(argv.id));
    process.stdout.write(`${argv.id}\n`);
  },
};
