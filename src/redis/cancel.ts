/** Cancelling a task on the Redis backend (`tasks-cancel`), from any host. */
import { encode } from '../persist/codec.js';
import { fail } from '../errors.js';
import { cancelled } from '../queue/lifecycle.js';
import { taskFromText } from '../queue/tree.js';
import type { CancelOutcome } from '../queue/cancel.js';
import { findTask, type Conn } from './queue.js';

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * Cancel task `id`: a held or queued one ends cancelled at once; a running one's worker is told
 * and kills it, and the cancel waits (up to `waitMs`) for it to be settled as cancelled.
 */
export async function cancelTask(k: Conn, id: string, waitMs: number): Promise<CancelOutcome> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const f = await findTask(k, id);
    if (!f) throw fail('not-found', `no task ${id} in ${k.backend.where}`);
    if (f.dir === 'done' || f.dir === 'failed') throw fail('conflict', `task ${id} has already finished (${f.dir}); nothing to cancel`);
    if (f.dir === 'held') {
      await k.client.hset(k.key('ended'), id, f.text + (f.text.endsWith('\n') ? '' : '\n') + encode(cancelled(Date.now()).append));
      await k.client.hdel(k.key('held'), id);
      return 'cancelled-queued';
    }
    if (f.dir === 'queue' && f.job) {
      // A queued job is removed whole, or not at all when a worker locked it meanwhile.
      const removed = await f.job.remove().then(() => true, () => false);
      if (removed) {
        const r = taskFromText(f.text, id);
        const tail = r.ok ? encode(cancelled(Date.now()).append) : '';
        await k.client.hset(k.key('ended'), id, f.text + (f.text.endsWith('\n') ? '' : '\n') + tail);
        // A cancel sent while it ran (its worker lost it since) is done with: not for a retry of it.
        await k.client.hdel(k.key('cancel'), id);
        return 'cancelled-queued';
      }
    } else if (f.dir === 'running') {
      // The worker holding it (on whatever host) is told; it kills the task's process group
      // and settles it as cancelled.
      await k.client.hset(k.key('cancel'), id, '1');
      await k.client.publish(k.key('cancel'), id);
      for (;;) {
        const now = await findTask(k, id);
        if (now && (now.dir === 'done' || now.dir === 'failed')) {
          const t = taskFromText(now.text, id);
          if (t.ok && t.task.status === 'cancelled') return 'cancelled-running';
          throw fail('conflict', `task ${id} finished (${t.ok ? t.task.status : now.dir}) before the cancel reached it`);
        }
        if (now?.dir === 'queue') break; // its worker lost it and it is queued again: cancel that
        if (Date.now() > deadline) throw fail('timeout', `task ${id} did not settle in time; try again`);
        await pause(50);
      }
    }
    if (Date.now() > deadline) throw fail('timeout', `task ${id} did not settle in time; try again`);
    await pause(20);
  }
}
