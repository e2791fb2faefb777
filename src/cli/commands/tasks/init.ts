import type { CommandModule } from 'yargs';
import { resolveRoot } from '../../../root.js';
import { tree } from '../../../queue/tree.js';
import { createTree } from '../../../queue/create.js';
import { refuseOnBackend } from '../../context.js';

export const tasksInit: CommandModule<{ root?: string }, { root?: string; backend?: string }> = {
  command: 'tasks-init',
  describe: 'create the task tree (tmp, queue, running, done, failed, logs, workers; mode 0700), or make an existing one of yours private',
  builder: (y) =>
    y
      .example('$0 tasks-init', 'in ./var/tmux/$TMUX_SESSION/tasks, unless a tree is found (see "Finding the tree")')
      .example('$0 tasks-init --root /tmp/orc-demo', 'a tree of its own; pass the same --root (or TASK_ROOT) to other commands'),
  handler: (argv) => {
    refuseOnBackend(argv, 'tasks-init');
    const t = tree(resolveRoot({ root: argv.root, create: true }).root);
    createTree(t);
    process.stdout.write(`${t.root}\n`);
  },
};
