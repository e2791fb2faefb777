import type { CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';
import { ensureTree } from '../../../queue/tree.js';

export const tasksInit: CommandModule<{ root?: string }, { root?: string }> = {
  command: 'tasks-init',
  describe: 'create the task tree (tmp, queue, running, done, failed, logs, workers; mode 0700)',
  handler: (argv) => {
    const t = treeFrom(argv);
    ensureTree(t);
    process.stdout.write(`${t.root}\n`);
  },
};
