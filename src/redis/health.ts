/**
 * `tasks-health` on the Redis backend: counts, running tasks whose worker is gone (stalled.ts),
 * the oldest queued age, the workers, what is paused; problems make it unhealthy.
 */
import type { Health } from '../queue/list.js';
import { BULL_STATES, taskId, taskOf, type Conn } from './queue.js';
import { listWorkers } from './workers.js';
import { stalledJobs } from './stalled.js';
import { queuedTurns } from './agent-jobs.js';
import { heldNow } from './held.js';
import { pausedNow } from './pause.js';

export async function health(k: Conn): Promise<Health> {
  const where = k.backend.where;
  const counts = await k.counts([...BULL_STATES.queue, 'active', 'completed', 'failed']);
  const ended = await k.client.hlen(k.key('ended'));
  const q = BULL_STATES.queue.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const workers = await listWorkers(k);
  const live = workers.filter((w) => w.alive).length;
  const oldest = await oldestQueued(k);
  const problems: string[] = [];
  // A job whose lock lapsed stays active until a worker of its own queue (its label's) moves it
  // back: with none alive, it would be listed running for ever.
  const stale: Health['stale'] = [];
  for (const job of await stalledJobs(k)) stale.push({ id: taskId(job.id ?? ''), name: taskId(job.id ?? ''), why: 'its lock lapsed (its worker is gone); a worker of its queue moves it back' });
  if (stale.length) problems.push(`${stale.length} running task(s) whose worker is gone: ${stale.map((x) => x.id).join(', ')} (a worker of their queue, with their label, requeues them; or now: tasks-health --fix)`);
  // Turns wait for their agents' dispatcher, not for a worker.
  const shellQueued = q - (await queuedTurns(k));
  if (shellQueued > 0 && live === 0) problems.push(`${shellQueued} task(s) queued but no live worker (start one: tmux-orc worker --backend ${where})`);
  return {
    root: where,
    counts: { queue: q, held: (await heldNow(k)).length, running: counts.active ?? 0, done: counts.completed ?? 0, failed: (counts.failed ?? 0) + ended },
    stale,
    oldestQueuedMs: oldest === undefined ? undefined : Date.now() - oldest,
    workers,
    liveWorkers: live,
    paused: await pausedNow(k),
    problems,
    healthy: problems.length === 0,
  };
}

/** When the oldest task that is due now was enqueued. */
async function oldestQueued(k: Conn): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const job of await k.getJobs(BULL_STATES.queue)) {
    const t = job && taskOf(job);
    if (t && t.due <= Date.now() && t.enqueuedAt !== undefined) oldest = Math.min(oldest ?? Infinity, t.enqueuedAt);
  }
  return oldest;
}
