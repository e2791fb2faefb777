/** Listing tasks and judging the tree's health: read-only views of the tree. */
import fs from 'node:fs';
import { nameInfo, STATE_DIRS, type Tree } from './tree.js';
import { namesToList, rowsFor, type TaskRow } from './list-rows.js';
import type { Dir } from './lifecycle.js';
import { findStale, type StaleTask } from './recover.js';
import { listWorkers, type WorkerInfo } from './workers.js';
import { pausedNow, type Paused } from './pause.js';

export type { TaskRow } from './list-rows.js';

/** Every row of one state or all of them, read by this thread alone (see list-parallel.ts for big trees). */
export function listTasks(t: Tree, which: Dir | 'all', now = Date.now()): TaskRow[] {
  return namesToList(t, which).flatMap((batch) => rowsFor(t, batch, now));
}

/** The enqueue time in a queue file's name (or in the key a seed name is given). */
const STAMP = /^\d{4}-(\d{16})-/;

export interface Health {
  root: string;
  counts: Record<Dir, number>;
  stale: StaleTask[];
  oldestQueuedMs?: number;
  workers: WorkerInfo[];
  liveWorkers: number;
  /** What is paused (tasks-pause): not a problem, but said. */
  paused: Paused;
  problems: string[];
  healthy: boolean;
}

/** Counts per state, stale tasks, the oldest queued age and live workers; problems make it unhealthy. */
export function health(t: Tree, now = Date.now()): Health {
  const counts = { queue: 0, held: 0, running: 0, done: 0, failed: 0 } as Record<Dir, number>;
  let first = Infinity;
  for (const d of STATE_DIRS) {
    const names = fs.existsSync(t.dir(d)) ? fs.readdirSync(t.dir(d)) : []; // held/ is new: an older tree has none
    counts[d] = names.length;
    if (d !== 'queue') continue;
    // Enqueue times are in our file names (microseconds): no file needs to be read, and the
    // queue is read once (with 100,000 names each readdir costs ~80 ms; `top` calls this often).
    for (const name of names) {
      const m = STAMP.exec(name) ?? STAMP.exec(nameInfo(name).key);
      if (m) first = Math.min(first, Number(m[1]) / 1000);
    }
  }
  const oldest = first === Infinity ? undefined : now - first;
  const stale = findStale(t, now);
  const workers = listWorkers(t);
  const live = workers.filter((w) => w.alive).length;
  const problems: string[] = [];
  if (stale.length) problems.push(`${stale.length} stale running task(s): ${stale.map((s) => s.id).join(', ')} (tasks-health --fix requeues them)`);
  if (counts.queue > 0 && live === 0) problems.push(`${counts.queue} task(s) queued but no live worker (start one: tmux-orc worker, or tasks-start)`);
  return { root: t.root, counts, stale, oldestQueuedMs: oldest, workers, liveWorkers: live, paused: pausedNow(t), problems, healthy: problems.length === 0 };
}
