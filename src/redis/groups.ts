/**
 * Groups on the Redis backend, the slots (groups.lua holds the keys and the atomic steps): a worker
 * takes a slot for a grouped task once it is ready to run, or parks the job (a delayed job, still
 * listed as queued) until a slot is free; a slot is let go after the task's settle, which wakes
 * the group's parked tasks (promoted to waiting, so they come back to a worker in BullMQ's order).
 *
 * Parking races a release: a parker adds its task to the waiting set in the same step that found
 * the group full, then moves the job to delayed; a release in between finds the job still active
 * and cannot promote it. So the parker wakes the group itself once its job is delayed, and every
 * worker sweeps the groups with parked tasks every second; a parked job also comes back on its
 * own after PARK_MS, the last resort.
 */
import fs from 'node:fs';
import type { Job } from 'bullmq';
import type { Task } from '../queue/task.js';
import { bullPriority, type Conn, type JobData } from './queue.js';

/** How long a parked job waits for a wake-up before it looks again by itself. */
export const PARK_MS = 60_000;
/** How often each worker sweeps the groups with parked tasks. */
export const SWEEP_MS = 1000;
/** The most parked tasks one step wakes. */
const MOST = 100;

let lua: string | undefined;
const script = () => (lua ??= fs.readFileSync(new URL('./groups.lua', import.meta.url), 'utf8'));

type Scripted = { orcGroups?: (...args: string[]) => Promise<unknown> };

/** One step of groups.lua, on this connection (defined on first use, then sent by its SHA). */
export function step(k: Conn, ...args: Array<string | number>): Promise<unknown> {
  const c = k.client as unknown as Scripted;
  if (!c.orcGroups) k.client.defineCommand('orcGroups', { numberOfKeys: 0, lua: script() });
  return c.orcGroups!(args[0] as string, k.key(''), ...args.slice(1).map(String));
}

/** What a slot holds: the activation's lock token and the job's lock key (liveness: the key still holds the token). */
export const holderOf = (k: Conn, job: Job<JobData>, lock: string): string => `${lock}\n${k.lockKey(job)}`;

/** A parked task's place: its priority, then when it was queued. */
const memberOf = (task: Task): string => `${String(task.enqueuedAt ?? 0).padStart(15, '0')}:${task.id}`;

/** Take a slot of the task's group for this activation of its job, or park it (its lock still held: the caller moves it). */
export async function acquire(k: Conn, job: Job<JobData>, lock: string, task: Task & { group: string }): Promise<'ok' | 'full' | 'paused'> {
  return (await step(k, 'acquire', task.group, task.id, holderOf(k, job, lock), bullPriority(task.priority), memberOf(task))) as 'ok' | 'full' | 'paused';
}

/**
 * Take a slot of the task's group for this activation of its job; true when the task may run now.
 * Otherwise the job is parked: delayed, under its lock; then the group is woken once (a slot let
 * go while the job was still active could not wake it).
 */
export async function takeSlot(k: Conn, job: Job<JobData>, lock: string, task: Task & { group: string }): Promise<boolean> {
  if ((await acquire(k, job, lock, task)) === 'ok') return true;
  await job.moveToDelayed(Date.now() + PARK_MS, lock).catch(() => {}); // a lock lost meanwhile: the job went back already
  await wake(k, task.group);
  return false;
}

/** Let go of this activation's slot (after its job moved on), and wake what may start now. */
export async function release(k: Conn, job: Job<JobData>, lock: string, task: Task & { group: string }): Promise<void> {
  const m = (await step(k, 'release', task.group, task.id, holderOf(k, job, lock), MOST)) as string[];
  if (await promote(k, task.group, m)) await wake(k, task.group);
}

/** Promote the parked tasks of `group` that may start now. */
export async function wake(k: Conn, group: string): Promise<void> {
  // A stale entry (a task cancelled, held or removed while parked) takes a place: looked again.
  for (let round = 0; round < 10; round++) if (!(await promote(k, group, (await step(k, 'wake', group, MOST)) as string[]))) return;
}

/** Every group with parked tasks and free slots: its first parked tasks promoted. */
export async function sweep(k: Conn): Promise<void> {
  for (const [group, ...m] of (await step(k, 'sweep', MOST)) as string[][]) if (await promote(k, group, m)) await wake(k, group);
}

/**
 * Promote parked tasks (delayed → waiting) and drop them from the waiting set; an entry whose job is
 * gone or not parked is dropped too; one whose job is still active is being parked right now: kept,
 * its parker wakes the group. True when an entry was dropped without a promotion.
 */
async function promote(k: Conn, group: string, members: string[]): Promise<boolean> {
  const waiting = k.key(`group-waiting:${group}`);
  let dropped = false;
  for (const member of members) {
    // Out of the set before the promotion, not after: a worker that takes the promoted job and
    // finds the group full again parks it anew, and that entry must stay.
    const score = await k.client.zscore(waiting, member);
    if (score === null || (await k.client.zrem(waiting, member)) === 0) continue; // woken by another worker
    const job = await k.getJob(member.slice(member.indexOf(':') + 1));
    if (job && (await job.promote().then(() => true, () => false))) continue;
    if (job && (await job.getState().catch(() => 'unknown')) === 'active') await k.client.zadd(waiting, score, member); // being parked: its parker wakes the group
    else dropped = true;
  }
  return dropped;
}
