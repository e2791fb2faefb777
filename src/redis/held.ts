/**
 * Held tasks on the Redis backend (`tasks-hold`, `tasks-release`). They are kept in a hash of our
 * own, out of BullMQ, where no worker looks (BullMQ has no such state). Held: kept there first,
 * then taken out of BullMQ (whole, or not at all when a worker locked it meanwhile); released:
 * queued again, then dropped from the hash. A crash between the two steps leaves a task in both,
 * never in neither; while its job exists the job is what counts (BullMQ refuses a second job of
 * one ID), and the copy goes with the task when it is removed. Released, it goes to the end of
 * its priority.
 */
import { fail } from '../errors.js';
import { agentOf } from '../queue/agent-lifecycle.js';
import { notWaiting } from '../queue/hold.js';
import { taskFromText } from '../queue/tree.js';
import { findTask, type Conn } from './queue.js';
import { addJob } from './add.js';

/** The held tasks: the hash, less a copy whose job is in BullMQ (a hold under way, or cut short). */
export async function heldNow(k: Conn): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const [id, text] of Object.entries(await k.client.hgetall(k.key('held')))) if (!(await k.getJob(id))) out.push([id, text]);
  return out;
}

/** Hold a queued task: no worker takes it until it is released. */
export async function holdTask(k: Conn, id: string): Promise<'held' | 'already'> {
  for (;;) {
    const f = await findTask(k, id);
    if (!f) throw fail('not-found', `no task ${id} in ${k.backend.where}`);
    if (f.dir === 'held') return 'already';
    if (f.dir !== 'queue' || !f.job) notWaiting(id, f.dir, 'held');
    await k.client.hset(k.key('held'), id, f.text);
    if (await f.job.remove().then(() => true, () => false)) return 'held';
    await k.client.hdel(k.key('held'), id); // a worker took it meanwhile: look again
  }
}

/** Queue a held task again. */
export async function releaseTask(k: Conn, id: string): Promise<'released' | 'already'> {
  const f = await findTask(k, id);
  if (!f) throw fail('not-found', `no task ${id} in ${k.backend.where}`);
  // A task also in the hash is being held right now (or a hold was cut short: its copy is
  // dropped when the task is removed); the job is what counts.
  if (f.dir === 'queue') return 'already';
  if (f.dir !== 'held') notWaiting(id, f.dir, 'released');
  const r = taskFromText(f.text, id);
  if (!r.ok) throw fail('conflict', `task ${id} cannot be released: ${r.reason}`);
  await addJob(k, id, f.text, { priority: r.task.priority, due: r.task.due, label: r.task.label, agent: agentOf(r.task) }, Date.now());
  await k.client.hdel(k.key('held'), id);
  return 'released';
}
