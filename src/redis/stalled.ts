/**
 * Stalled jobs on the Redis backend: running jobs whose lock lapsed (their worker, or its whole
 * host, is gone). A live worker of the job's queue moves such a job back by BullMQ's own check,
 * every lockMs; `tasks-health --fix` runs that same check now, for a queue that has no worker.
 */
import { Worker, type Job } from 'bullmq';
import type { Recovered } from '../store/worker-store.js';
import { BULL_STATES, dirOf, PREFIX, taskId, type Conn, type JobData } from './queue.js';

/** How long `--fix` runs the check for: the check moves a job at its second look at the earliest. */
const FIX_MS = 3000;

/** The running jobs whose lock is gone. */
export async function stalledJobs(k: Conn): Promise<Array<Job<JobData>>> {
  const out: Array<Job<JobData>> = [];
  for (const job of await k.getJobs(BULL_STATES.running)) if (job && !(await k.client.exists(k.lockKey(job)))) out.push(job);
  return out;
}

/**
 * Move the stalled jobs back as a worker of their queue would: BullMQ's stalled-job check (the
 * workers' own settings: a job stalled a second time fails). The check marks the running jobs at
 * one look and moves those still without a lock at the next, and runs at most once per interval
 * per queue: a queue whose own worker checked a moment ago is left to it.
 */
export async function recoverStalled(k: Conn): Promise<Recovered[]> {
  const byQueue = new Map<string, Array<Job<JobData>>>();
  for (const job of await stalledJobs(k)) byQueue.set(job.queueName, [...(byQueue.get(job.queueName) ?? []), job]);
  const out: Recovered[] = [];
  for (const [name, jobs] of byQueue) {
    const w = new Worker<JobData>(name, null, { connection: k.client, prefix: PREFIX, autorun: false, stalledInterval: 100, maxStalledCount: 1 });
    w.on('error', () => {});
    void w.startStalledCheckTimer().catch(() => {});
    try {
      const left = new Set(jobs.map((j) => j.id!));
      for (const end = Date.now() + FIX_MS; left.size > 0 && Date.now() < end; await new Promise((res) => setTimeout(res, 50))) {
        for (const job of jobs) {
          if (!left.has(job.id!)) continue;
          const dir = dirOf(await job.getState());
          if (dir === 'running') continue;
          left.delete(job.id!);
          out.push({ id: taskId(job.id!), why: 'its lock lapsed (its worker is gone)', to: dir ?? 'gone' });
        }
      }
    } finally {
      await w.close(true).catch(() => {});
    }
  }
  return out;
}
