/**
 * The dispatcher's window: `dispatcher` in the agents' session, running `tmux-orc agent dispatch`
 * in a loop, so a dispatcher that dies (killed, crashed) is back within seconds and carries on
 * from the tree. Made on the first `assign` (and by `agent revive`), beside the check-in scheduler.
 */
import path from 'node:path';
import fs from 'node:fs';
import { withLock } from '../persist/lock.js';
import { selfCommand } from '../self.js';
import * as A from '../tmux/argv.js';
import { tmuxClient } from '../tmux/client.js';
import { paneInfo } from './pane.js';
import { agentsDir } from './registry.js';
import { hasSession } from './window.js';

const DISPATCHER_WINDOW = 'dispatcher';

/** Environment that tunes the dispatcher's view of agents (passed on as its --quiet/--debounce). */
const TIMING_ENV = { quiet: 'TMUX_ORC_AGENT_QUIET', debounce: 'TMUX_ORC_AGENT_DEBOUNCE' } as const;

const sessionFile = (root: string, session: string, what: string) => path.join(agentsDir(root), `.${what}-${session.replace(/[^A-Za-z0-9_-]/g, '-')}`);

/**
 * The Redis backend whose agent turns the session's dispatcher serves (besides the tree's), as the
 * last `assign` on a backend recorded it: read by `agent dispatch`, and by `done` in an agent's
 * window, so neither needs TASK_BACKEND (whose URL may hold a password) in the session's panes.
 */
export function sessionBackend(root: string, session: string): string | undefined {
  try {
    return fs.readFileSync(sessionFile(root, session, 'backend'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Make sure the dispatcher runs in `session`; 'running' when it was already. With `backend`, it
 * serves that backend's turns too: recorded for the session, and a dispatcher that served another
 * (or none) is restarted (it keeps nothing of its own: held turns are re-adopted).
 */
export async function ensureDispatcher(root: string, socket: string, session: string, env: NodeJS.ProcessEnv = process.env, backend?: string): Promise<'running' | 'started'> {
  fs.mkdirSync(agentsDir(root), { recursive: true, mode: 0o700 });
  // Two assigns at once must not make two windows.
  return withLock(path.join(agentsDir(root), `.dispatcher-${session.replace(/[^A-Za-z0-9_-]/g, '-')}.lock`), async () => {
    const tmux = tmuxClient(socket);
    const info = await paneInfo(tmux, `${session}:${DISPATCHER_WINDOW}`);
    const changed = backend !== undefined && backend !== sessionBackend(root, session);
    if (changed) fs.writeFileSync(sessionFile(root, session, 'backend'), `${backend}\n`, { mode: 0o600 });
    if (info && !info.dead && !changed) return 'running';
    const timing = Object.entries(TIMING_ENV).flatMap(([opt, name]) => (env[name] ? [`--${opt}`, env[name]!] : []));
    const once = selfCommand('agent', 'dispatch', '--root', root, '--session', session, ...timing);
    // Restarted after a crash; a clean exit (C-c) ends the loop.
    const cmd = `while :; do ${once} && break; sleep 1; done`;
    const wenv = [`TASK_ROOT=${root}`, `TMUX_SOCKET=${socket}`, `TMUX_SESSION=${session}`];
    if (info) {
      await tmux.run(A.respawnPaneWith(info.pane, undefined, cmd, wenv));
      return 'started';
    }
    const fresh = !(await hasSession(tmux, session));
    const make = fresh ? A.newNamedSession : A.newNamedWindow;
    const pane = (await tmux.run(make(session, DISPATCHER_WINDOW, root, { env: wenv, command: cmd }))).trim();
    for (const args of A.keepWindowOptions(pane)) await tmux.run(args).catch(() => undefined);
    if (fresh) await tmux.run(A.setEnvironment(A.exactSession(session), 'TASK_ROOT', root));
    return 'started';
  }, { staleMs: 10_000, waitMs: 15_000 });
}
