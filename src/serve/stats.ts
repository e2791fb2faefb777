/**
 * `GET /api/stats`, what the dashboard's header shows, from the index (no file is read): counts
 * per state, tasks finished per minute over the last hour (its sparkline), and the queue's
 * latency, the age of the oldest runnable task (due, no dependencies left; counted from when it
 * became due), as Sidekiq's queue latency is and as the tmuxorc_queue_latency_seconds metric counts.
 */
import type { Dir } from '../queue/lifecycle.js';
import type { TaskIndex } from './task-index.js';
import { counts } from './list-page.js';

export interface Stats {
  counts: Record<Dir, number>;
  /** Tasks that finished (done or failed) in each of the last 60 minutes, oldest first; the last is the current minute. */
  finishedPerMinute: number[];
  failedPerMinute: number[];
  /** Age of the oldest runnable task, ms; absent when none is runnable. */
  latencyMs?: number;
  readOnly: boolean;
}

const MINUTE = 60_000;

export function stats(index: TaskIndex, readOnly: boolean, now = Date.now()): Stats {
  const finishedPerMinute = new Array<number>(60).fill(0);
  const failedPerMinute = new Array<number>(60).fill(0);
  const thisMinute = Math.floor(now / MINUTE);
  for (const [d, also] of [['done', undefined], ['failed', failedPerMinute]] as const) {
    for (const e of index.entries(d)) {
      if (e.clockMs === undefined) continue;
      const slot = 59 - (thisMinute - Math.floor(e.clockMs / MINUTE));
      if (slot < 0 || slot > 59) continue;
      finishedPerMinute[slot]++;
      if (also) also[slot]++;
    }
  }
  // As the tmuxorc_queue_latency_seconds metric counts it, so the page and a scrape agree.
  let oldest = Infinity;
  for (const e of index.entries('queue')) {
    if (index.refresh(e, now).status !== 'ready') continue;
    const since = Math.max(e.clockMs ?? now, e.dueMs);
    if (since < oldest) oldest = since;
  }
  return { counts: counts(index), finishedPerMinute, failedPerMinute, latencyMs: oldest === Infinity ? undefined : Math.max(0, now - oldest), readOnly };
}
