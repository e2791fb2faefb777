/** `status`: every pane of every window, and for worker panes what their worker is doing. */
import { formatAge } from '../time.js';
import { requireSession, type SessionContext } from './context.js';
import { panes, targetOf } from './panes.js';
import { localWorkers, stateOf, type WorkerState } from './worker-state.js';
import { tree } from '../queue/tree.js';
import { pausedLine, pausedNow } from '../queue/pause.js';

/** One row of `status` (also its `--json` shape). */
export interface PaneStatus {
  target: string;
  session: string;
  window: string;
  windowId: string;
  paneId: string;
  paneIndex: number;
  title: string;
  command: string;
  dead: boolean;
  /** Exit status (or `signal N`) of a dead pane. */
  exitStatus?: string;
  inMode: boolean;
  logging: boolean;
  worker?: number;
  workerState?: WorkerState;
  /** On worker panes: what is paused in their tree (tasks-pause), if anything. */
  paused?: string;
}

export async function status(ctx: SessionContext, root: string | undefined, now = Date.now()): Promise<PaneStatus[]> {
  const sid = await requireSession(ctx);
  const reg = localWorkers(root);
  const paused = root === undefined ? undefined : pausedLine(pausedNow(tree(root)));
  return (await panes(ctx.tmux, sid)).map((p) => ({
    target: targetOf(p),
    session: p.session,
    window: p.windowName,
    windowId: p.windowId,
    paneId: p.paneId,
    paneIndex: p.paneIndex,
    title: p.title,
    command: p.command,
    dead: p.dead,
    exitStatus: p.deadStatus,
    inMode: p.inMode,
    logging: p.piped,
    worker: p.worker,
    workerState: p.worker === undefined ? undefined : stateOf(reg.get(p.worker), now),
    paused: p.worker === undefined ? undefined : paused,
  }));
}

/** The PANE column: `alive`, `dead (exit 1)`, `dead (signal 9)`. */
export function paneWord(s: PaneStatus): string {
  if (!s.dead) return s.inMode ? 'alive (copy mode)' : 'alive';
  if (s.exitStatus === undefined) return 'dead';
  return /^signal/.test(s.exitStatus ?? '') ? `dead (${s.exitStatus})` : `dead (exit ${s.exitStatus})`;
}

/** The WORKER column: `idle`, `busy t123 1m05s`, `crashed (pid 42)`, `stopped`, or `-`. */
export function workerWord(s: PaneStatus): string {
  const w = s.workerState;
  if (!w) return '-';
  if (w.state === 'busy') return `busy ${w.task.id} ${formatAge(w.task.elapsedMs)}`;
  if (w.state === 'idle' && s.paused) return 'idle (paused)';
  if (w.state === 'crashed') return `crashed (pid ${w.pid} gone; tasks-start restarts it)`;
  return w.state;
}
