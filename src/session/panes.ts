/**
 * The panes of a session as records. Worker panes carry the pane option `@orc_worker=N` and the
 * windows we made carry the window option `@orc_role` (master|workers): titles and window names
 * can be changed by programs and users, these marks cannot by accident.
 */
import type { TmuxClient } from '../tmux/client.js';
import { parseRows } from '../tmux/client.js';
import { listPanes } from '../tmux/argv.js';

const FIELDS = [
  'session_name',
  'window_id',
  'window_index',
  'pane_id',
  'pane_index',
  'pane_pid',
  'pane_dead',
  'pane_dead_status',
  'pane_dead_signal',
  'pane_in_mode',
  'pane_pipe',
  '@orc_worker',
  '@orc_role',
  'window_name',
  'pane_current_command',
  'pane_title',
] as const;

/** One pane, as tmux reports it. */
export interface Pane {
  session: string;
  windowId: string;
  windowIndex: number;
  windowName: string;
  /** `master`, `workers`, or '' for windows we did not make. */
  role: string;
  paneId: string;
  paneIndex: number;
  /** Pid of the pane's first process (its shell). */
  pid: number;
  dead: boolean;
  /** Exit status (or signal name) of a dead pane. */
  deadStatus?: string;
  inMode: boolean;
  piped: boolean;
  /** Worker number of a worker pane. */
  worker?: number;
  command: string;
  title: string;
}

/** Every pane of every window of session `sid`, in window then pane order. */
export async function panes(tmux: TmuxClient, sid: string): Promise<Pane[]> {
  const rows = parseRows(await tmux.run(listPanes(sid, FIELDS)), FIELDS);
  return rows
    .map((r) => ({
      session: r.session_name,
      windowId: r.window_id,
      windowIndex: Number(r.window_index),
      windowName: r.window_name,
      role: r['@orc_role'],
      paneId: r.pane_id,
      paneIndex: Number(r.pane_index),
      pid: Number(r.pane_pid),
      dead: r.pane_dead === '1',
      // tmux shows a pane dead on EOF of its tty, a moment before it has reaped the status
      deadStatus: r.pane_dead !== '1' ? undefined : r.pane_dead_signal ? `signal ${r.pane_dead_signal}` : r.pane_dead_status || undefined,
      inMode: r.pane_in_mode === '1',
      piped: r.pane_pipe === '1',
      worker: /^\d+$/.test(r['@orc_worker']) && r['@orc_role'] === 'workers' ? Number(r['@orc_worker']) : undefined,
      command: r.pane_current_command,
      title: r.pane_title,
    }))
    .sort((a, b) => a.windowIndex - b.windowIndex || a.paneIndex - b.paneIndex);
}

/** Worker panes sorted by worker number. */
export function workerPanes(all: Pane[]): Pane[] {
  return all.filter((p) => p.worker !== undefined).sort((a, b) => a.worker! - b.worker!);
}

/** The human target of a pane: `session:window.pane`. */
export function targetOf(p: Pane): string {
  return `${p.session}:${p.windowName}.${p.paneIndex}`;
}

/** The id of the window with this role (`master`|`workers`), if it exists. */
export function windowWithRole(all: Pane[], role: string): string | undefined {
  return all.find((p) => p.role === role)?.windowId;
}

/**
 * The file name stem for a pane's capture or log: session, window and worker number
 * (`agents.workers.worker-2`), or the pane index for other panes (`agents.master.1`).
 */
export function fileStem(p: Pane): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${clean(p.session)}.${clean(p.windowName)}.${p.worker !== undefined ? `worker-${p.worker}` : p.paneIndex}`;
}
