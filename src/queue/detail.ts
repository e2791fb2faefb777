/** One task in full: its listing row plus what it was asked to do (the server's and MCP's task view). */
import { rowsFor, type TaskRow } from './list-rows.js';
import { find, readTask, type Tree } from './tree.js';
import { formatDuration } from '../time.js';
import { pausedFor, pausedNow } from './pause.js';

/** A task's row with its spec. Durations in the task file's words (`1h30m`). */
export interface TaskDetail extends Omit<TaskRow, 'file'> {
  cwd?: string;
  /** `NAME=value` strings. */
  env: string[];
  after: string[];
  timeout?: string;
  retries: number;
  backoff: string;
  every?: string;
}

/** The task with this ID as it is now, or undefined when the tree has none. */
export function taskDetail(t: Tree, id: string, now = Date.now()): TaskDetail | undefined {
  for (let look = 0; look < 2; look++) {
    const f = find(t, id);
    if (!f) return undefined;
    const [row] = rowsFor(t, { dir: f.dir, names: [f.name] }, now);
    if (!row) continue; // it moved between the look and the read: look again
    const { file: _file, ...rest } = row;
    if (rest.state === 'queue' && rest.status === 'ready' && pausedFor(pausedNow(t), rest.group)) rest.status = 'paused'; // as tasks-list says
    const r = readTask(f.file, f.name);
    const task = r?.ok ? r.task : undefined;
    return {
      ...rest,
      cwd: task?.cwd,
      env: task ? task.env.map(([k, v]) => `${k}=${v}`) : [],
      after: task?.after ?? [],
      timeout: task?.timeoutMs === undefined ? undefined : formatDuration(task.timeoutMs),
      retries: task?.retries ?? 0,
      backoff: formatDuration(task?.backoffMs ?? 0),
      every: task?.everyMs === undefined ? undefined : formatDuration(task.everyMs),
    };
  }
  return undefined;
}
