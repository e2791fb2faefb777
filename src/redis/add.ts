/** Adding a task's job on the Redis backend: an enqueue, a release and a retry of an unrun task share it. */
import { bullPriority, jobId, type Conn } from './queue.js';
import { turnQueue } from './agent-jobs.js';
import { newLabel } from './pause.js';

/**
 * Add task `id`, of text `text`, as a job due when the task is; an agent's turn goes to its
 * agent's queue (agent-jobs.ts), where no shell worker looks.
 */
export async function addJob(k: Conn, id: string, text: string, task: { priority: number; due: number; label?: string; agent?: string }, now: number): Promise<void> {
  if (task.label !== undefined) await newLabel(k, task.label);
  await (task.agent !== undefined ? await turnQueue(k, task.agent) : k.queue(task.label)).add(id, { text }, {
    jobId: jobId(id),
    priority: bullPriority(task.priority),
    // BullMQ counts the delay from the job's timestamp (else the time of the add, later than `now`
    // by a connect in a fresh process): the job is due when the task is.
    timestamp: now,
    delay: Math.max(0, task.due - now),
    attempts: 1, // retries are the task's own (RETRIES, BACKOFF): the worker decides them
    removeOnComplete: false,
    removeOnFail: false,
  });
}
