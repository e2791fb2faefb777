/**
 * The scheduler: a worker that claims only check-in tasks (`--label checkin`), in its own window
 * `scheduler` of the agents' session, so check-ins fire on time even while every ordinary worker
 * pane is busy with long tasks. Ordinary workers may run check-ins too; that is fine.
 */
import { selfCommand } from '../self.js';
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
  const env = ['-e', `TASK_ROOT=${root}`, '-e', `TMUX_SOCKET=${socket}`, '-e', `TMUX_SESSION=${session}`];
  if (info) {
    await tmux.run(['respawn-pane', '-k', '-t', info.pane, ...env, cmd]);
    return 'started';
  }
  const base = (await hasSession(tmux, session))
    ? ['new-window', '-d', '-t', `=${session}:`]
    : ['new-session', '-d', '-s', session, '-x', '200', '-y', '50'];
  const out = await tmux.run([...base, '-n', SCHEDULER_WINDOW, '-c', root, '-P', '-F', '#{pane_id}', ...env, cmd]);
  const pane = out.trim();
  for (const [opt, val] of [['remain-on-exit', 'on'], ['allow-rename', 'off'], ['automatic-rename', 'off']]) {
    await tmux.run(['set-option', '-w', '-t', pane, opt, val]).catch(() => undefined);
  }
  if (base[0] === 'new-session') await tmux.run(['set-environment', '-t', `=${session}`, 'TASK_ROOT', root]);
  return 'started';
}
