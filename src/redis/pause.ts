/**
 * Pausing the whole queue on the Redis backend (`tasks-pause|resume` without `--group`): a mark
 * of ours, and every queue paused in BullMQ itself, whose workers take nothing while it is. A
 * label's queue made while the mark is set is paused by its enqueue. Groups pause in the step
 * that takes their slots (group-commands.ts, groups.lua).
 */
import type { Paused } from '../queue/pause.js';
import type { Conn } from './queue.js';
import { pausedGroups } from './group-commands.js';

/** Pause every queue; false when the whole queue was paused already. */
export async function pauseQueue(k: Conn): Promise<boolean> {
  // Marked first: a label's queue made meanwhile is then paused by its enqueue (newLabel).
  if ((await k.client.set(k.key('paused'), new Date().toISOString(), 'NX')) === null) return false;
  for (const q of await k.queues()) await q.pause();
  return true;
}

/** Resume every queue; false when the whole queue was not paused. */
export async function resumeQueue(k: Conn): Promise<boolean> {
  if ((await pausedNow(k)).all === undefined) return false;
  for (const q of await k.queues()) await q.resume();
  await k.client.del(k.key('paused'));
  return true;
}

/** What is paused now: the whole queue (since when), and each paused group. */
export async function pausedNow(k: Conn): Promise<Paused> {
  const [since, groups] = await Promise.all([k.client.get(k.key('paused')), pausedGroups(k)]);
  return since === null ? { groups } : { all: since, groups };
}

/** Note a label's queue; a new one made while the whole queue is paused is paused too. */
export async function newLabel(k: Conn, label: string): Promise<void> {
  if ((await k.client.sadd(k.key('labels'), label)) === 1 && (await pausedNow(k)).all !== undefined) await k.queue(label).pause();
}
