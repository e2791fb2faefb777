/** Removing finished tasks on the Redis backend (`tasks-clean`, `tasks-rm`), and what is kept beside them. */
import type { Job } from 'bullmq';
import { taskFromText } from '../queue/tree.js';
import type { CleanOptions, Cleaned } from '../queue/clean.js';
import { BULL_STATES, taskId, taskOf, type Conn, type JobData } from './queue.js';
import { logKeys } from './logs.js';

/**
 * What is kept beside a removed task: its logs, a cancel mark whose message its worker missed, a
 * held copy left by a hold cut short (released after its task was removed, it would run again).
 */
export async function forget(k: Conn, id: string): Promise<void> {
  await k.client.multi().del(...logKeys(k, id)).hdel(k.key('cancel'), id).hdel(k.key('held'), id).exec();
}

/** Remove finished tasks by age (`hours`) or count (`keep`), newest kept; `dryRun` only lists them. */
export async function cleanFinished(k: Conn, o: CleanOptions): Promise<Cleaned[]> {
  const now = o.now ?? Date.now();
  const removed: Cleaned[] = [];
  for (const dir of ['done', 'failed'] as const) {
    const entries: Array<{ id: string; finished: number; job?: Job<JobData> }> = [];
    for (const job of await k.getJobs(BULL_STATES[dir])) {
      if (!job) continue;
      entries.push({ id: taskId(job.id ?? ''), finished: taskOf(job)?.finished ?? job.finishedOn ?? 0, job });
    }
    if (dir === 'failed') {
      for (const [id, text] of Object.entries(await k.client.hgetall(k.key('ended')))) {
        const r = taskFromText(text, id);
        entries.push({ id, finished: r.ok ? r.task.finished ?? 0 : 0 });
      }
    }
    entries.sort((a, b) => b.finished - a.finished);
    const doomed = o.keep !== undefined ? entries.slice(o.keep) : entries.filter((e) => now - e.finished > (o.hours ?? 24) * 3_600_000);
    for (const e of doomed) {
      if (!o.dryRun) {
        if (e.job) {
          if (!(await e.job.remove().then(() => true, () => false))) continue;
        } else await k.client.hdel(k.key('ended'), e.id);
        await forget(k, e.id);
      }
      removed.push({ id: e.id, dir, finished: e.finished });
    }
  }
  return removed;
}
