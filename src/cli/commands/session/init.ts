/** `init [N]`: create the session, or grow/shrink its workers window to N panes. */
import type { CommandModule } from 'yargs';
import { init, parseWorkerCount } from '../../../session/init.js';
import { context, withRoot } from './common.js';
import { resolveRoot } from '../../../root.js';
import { createTree } from '../../../queue/create.js';
import { tree } from '../../../queue/tree.js';
import { listSchedules } from '../../../agents/schedule.js';
import { ensureScheduler } from '../../../agents/scheduler.js';
import { progress } from '../../progress.js';

export const initCommand: CommandModule<object, { n?: string; root?: string }> = {
  command: 'init [n]',
  describe: 'start the session (master + N worker panes), or resize the workers window to N',
  builder: (y) =>
    withRoot(
      y
        .positional('n', { type: 'string', describe: 'worker panes (default $WORKERS, or the current number)' })
        .example('$0 init 4', 'a master pane and 4 worker panes; then tmux-orc tasks-start')
        .example('$0 init 2', 'on a running session: shrink or grow the workers window to 2'),
    ),
  handler: async (argv) => {
    const ctx = context();
    const explicit = argv.n ?? (process.env.WORKERS ? process.env.WORKERS : undefined);
    const workers = explicit === undefined ? undefined : parseWorkerCount(explicit);
    // init is one of the two commands that create a tree (README "Finding the tree").
    const root = resolveRoot({ root: argv.root, create: true }).root;
    createTree(tree(root));
    const status = progress();
    const onPane = (done: number, total: number) => status.update('adding worker panes', done, total);
    const r = await init(ctx, { workers, root, cwd: process.cwd(), onPane }).finally(() => status.clear());
    const how = r.created ? 'created' : r.added.length ? `grew (+${r.added.map((n) => `worker-${n}`).join(' ')})` : r.removed.length ? `shrank (-${r.removed.map((n) => `worker-${n}`).join(' ')})` : 'already running';
    process.stdout.write(`session ${r.session} on tmux -L ${ctx.cfg.socket}: ${how}; ${r.workers} workers; TASK_ROOT=${root}\n`);
    // New panes are shells at a prompt: nothing runs queued tasks until their worker loops start.
    if (r.created || r.added.length) process.stdout.write(`the ${r.created ? '' : 'new '}worker panes are idle: tmux-orc tasks-start runs a worker loop in each\n`);
    // Check-ins armed before a reboot or kill-server fire again as soon as the session is back.
    const armed = (await listSchedules(root)).length;
    if (armed && (await ensureScheduler(root, ctx.cfg.socket, ctx.cfg.session)) === 'started') {
      process.stdout.write(`scheduler started for ${armed} armed check-in(s)\n`);
    }
  },
};
