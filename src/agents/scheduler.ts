/**
 * The scheduler: a worker that claims only check-in tasks (`--label checkin`), in its own window
 * `scheduler` of the agents' session, so check-ins fire on time even while every ordinary worker
 * pane is busy with long tasks. Ordinary workers may run check-ins too; that is fine.
 */
import { selfCommand } from '../self.js';
import * as A from '../tmux/argv.js';
import { tmuxClient } from '../tmux/client.js';
import { paneInfo } from './pane.js';
import { hasSession } from './window.js';

/** The label of tasks the scheduler runs. */
export const CHECKIN_LABEL = 'checkin';
/** The scheduler's window name and worker id. */
const SCHEDULER_WINDOW = 'scheduler';

/**
 * Make sure the scheduler runs in `session` on `socket` (creating the session if need be).
 * Returns 'running' when it was running already, 'started' otherwise.
 */
export async function ensureScheduler(root: string, socket: string, session: string): Promise<'running' | 'started'> {
  const tmux = tmuxClient(socket);
  const cmd = `${selfCommand('worker', '--id', `sched-${session.replace(/[^A-Za-z0-9_-]/g, '-')}`, '--label', CHECKIN_LABEL, '--root', root)}`;
  const info = await paneInfo(tmux, `${session}:${SCHEDULER_WINDOW}`);
  if (info && !info.dead) return 'running';
  const env = [`TASK_ROOT=${root}`, `TMUX_SOCKET=${socket}`, `TMUX_SESSION=${session}`];
  if (info) {
    await tmux.run(A.respawnPaneWith(info.pane, undefined, cmd, env));
    return 'started';
  }
  const fresh = !(await hasSession(tmux, session));
  const make = fresh ? A.newNamedSession : A.newNamedWindow;
  const pane = (await tmux.run(make(session, SCHEDULER_WINDOW, root, { env, command: cmd }))).trim();
  for (const args of A.keepWindowOptions(pane)) await tmux.run(args).catch(() => undefined);
  if (fresh) await tmux.run(A.setEnvironment(A.exactSession(session), 'TASK_ROOT', root));
  return 'started';
}
