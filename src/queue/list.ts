/** Listing tasks and judging the tree's health: read-only views of the tree. */
import fs from 'node:fs';
import { listNames, nameInfo, readTask, STATE_DIRS, taskPath, type Tree } from './tree.js';
import type { Dir } from './lifecycle.js';
import { findStale, type StaleTask } from './recover.js';
import { listWorkers, type WorkerInfo } from './workers.js';

/** One row of `tasks-list`. */
export interface TaskRow {
  id: string;
  state: Dir;
  /** The run's status (done, failed, timeout, cancelled, …) or a queued task's wait (ready, delayed, blocked). */
  status: string;
  attempt: number;
  exit?: number;
  signal?: string;
  reason?: string;
  worker?: string;
  label?: string;
  priority: number;
  enqueued?: string;
  due?: string;
  started?: string;
  finished?: string;
  /** Milliseconds since the task entered its current state's clock (enqueue, start or finish). */
  ageMs: number;
  cmd: string;
  file: string;
}

export function listTasks(t: Tree, which: Dir | 'all', now = Date.now()): TaskRow[] {
  const dirs = which === 'all' ? STATE_DIRS : [which];
  const rows: TaskRow[] = [];
  for (const dir of dirs) {
    for (const name of listNames(t, dir)) {
      const row = rowFor(t, dir, name, now);
      if (row) rows.push(row);
    }
  }
  return rows;
}

function rowFor(t: Tree, dir: Dir, name: string, now: number): TaskRow | undefined {
  const file = taskPath(t, dir, name);
  const r = readTask(file);
  if (!r) return undefined;
  if (!r.ok) {
    let mtime = now;
    try {
      mtime = fs.lstatSync(file).mtimeMs;
    } catch {
      // gone meanwhile
    }
    return { id: r.id, state: dir, status: 'invalid', attempt: 0, reason: r.reason, priority: 0, ageMs: now - mtime, cmd: '', file };
  }
  const task = r.task;
  const queuedStatus = task.due > now ? 'delayed' : task.after.length ? 'waiting' : 'ready';
  const clock = dir === 'queue' ? task.enqueuedAt : dir === 'running' ? task.started : task.finished;
  const iso = (ms?: number) => (ms ? new Date(ms).toISOString() : undefined);
  return {
    id: task.id,
    state: dir,
    status: dir === 'queue' ? queuedStatus : dir === 'running' ? 'running' : task.status ?? dir,
    attempt: task.attempt,
    exit: dir === 'queue' || dir === 'running' ? undefined : task.exit,
    signal: dir === 'queue' || dir === 'running' ? undefined : task.signal,
    reason: dir === 'done' ? undefined : task.reason,
    worker: dir === 'running' ? task.owner?.worker : task.fields.findLast(([k]) => k === 'WORKER')?.[1],
    label: task.label,
    priority: task.priority,
    enqueued: iso(task.enqueuedAt),
    due: task.due ? iso(task.due) : undefined,
    started: iso(task.started),
    finished: dir === 'queue' || dir === 'running' ? undefined : iso(task.finished),
    ageMs: clock ? now - clock : 0,
    cmd: task.cmd,
    file,
  };
}

export interface Health {
  root: string;
  counts: Record<Dir, number>;
  stale: StaleTask[];
  oldestQueuedMs?: number;
  workers: WorkerInfo[];
  liveWorkers: number;
  problems: string[];
  healthy: boolean;
}

/** Counts per state, stale tasks, the oldest queued age and live workers; problems make it unhealthy. */
export function health(t: Tree, now = Date.now()): Health {
  const counts = { queue: 0, running: 0, done: 0, failed: 0 } as Record<Dir, number>;
  for (const d of STATE_DIRS) counts[d] = fs.readdirSync(t.dir(d)).length;
  // Enqueue times are in our file names (microseconds): no file needs to be read.
  let first = Infinity;
  for (const name of fs.readdirSync(t.dir('queue'))) {
    const m = /^\d{4}-(\d{16})-/.exec(nameInfo(name).key);
    if (m) first = Math.min(first, Number(m[1]) / 1000);
  }
  const oldest = first === Infinity ? undefined : now - first;
  const stale = findStale(t, now);
  const workers = listWorkers(t);
  const live = workers.filter((w) => w.alive).length;
  const problems: string[] = [];
  if (stale.length) problems.push(`${stale.length} stale running task(s): ${stale.map((s) => s.id).join(', ')} (tasks-health --fix requeues them)`);
  if (counts.queue > 0 && live === 0) problems.push(`${counts.queue} task(s) queued but no live worker (start one: tmux-orc worker, or tasks-start)`);
  return { root: t.root, counts, stale, oldestQueuedMs: oldest, workers, liveWorkers: live, problems, healthy: problems.length === 0 };
}
