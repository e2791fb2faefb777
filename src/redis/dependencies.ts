/** The dependencies of a task on the Redis backend (`--after`, `--after-any`), as the lifecycle's readiness() asks. */
import type { DepState } from '../queue/lifecycle.js';
import type { Task } from '../queue/task.js';
import type { Conn } from './queue.js';

/**
 * Where each dependency is, as the lifecycle's readiness() asks. A held task is out of BullMQ, in
 * a hash of ours (held.ts): a hold writes the hash before it removes the job, a release adds the
 * job before it clears the hash. So looking at the job first cannot miss a task being held, and
 * looking at the hash first cannot miss one being released: one that seems missing is looked
 * for again the other way.
 */
export async function dependencies(k: Conn, task: Task): Promise<Map<string, DepState>> {
  const states = new Map<string, DepState>();
  for (const id of [...task.after, ...(task.afterAny ?? [])]) {
    let state = await depState(k, id, 'job first');
    if (state === 'missing') state = await depState(k, id, 'held first');
    states.set(id, state);
  }
  return states;
}

async function depState(k: Conn, id: string, order: 'job first' | 'held first'): Promise<DepState> {
  const isHeld = async () => (await k.client.hexists(k.key('held'), id)) === 1;
  if (order === 'held first' && (await isHeld())) return 'pending';
  const dj = await k.getJob(id);
  const state = dj ? await dj.getState() : undefined;
  if (state === 'completed') return 'done';
  if (state === 'failed') return 'failed';
  if (state !== undefined && state !== 'unknown') return 'pending';
  if (order === 'job first' && (await isHeld())) return 'pending';
  return (await k.client.hexists(k.key('ended'), id)) === 1 ? 'failed' : 'missing';
}
