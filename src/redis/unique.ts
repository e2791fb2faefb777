/** Unique keys on the Redis backend (`tasks-enqueue --unique KEY`), with the tree's meaning (src/queue/unique.ts). */
import { KeyTaken } from '../queue/unique.js';
import type { Conn } from './queue.js';
import type { Locate } from './follow.js';

/** Set hash field KEYS[1].ARGV[1] to ARGV[3] if it is still ARGV[2]. */
const SWAP = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0`;

/**
 * Take unique key `key` for task `id` (the tree's meaning: refused while a task holding it is
 * queued, held or running). A hash of ours maps each key to its task and when it was taken; a
 * key whose task has finished is taken over (by compare-and-set: one enqueuer wins), and so is
 * one whose task never appeared after a minute (its enqueuer died between its two steps).
 */
export async function takeKey(k: Conn, locate: Locate, key: string, id: string): Promise<void> {
  for (;;) {
    const mine = `${id} ${Date.now()}`;
    if (await k.client.hsetnx(k.key('unique'), key, mine)) return;
    const cur = await k.client.hget(k.key('unique'), key);
    if (cur === null) continue;
    const [holder = '', at = '0'] = cur.split(' ');
    if (holder === id) return; // a retry of the task that holds it
    const f = await locate(holder);
    const live = f ? f.dir === 'queue' || f.dir === 'held' || f.dir === 'running' : Date.now() - Number(at) < 60_000;
    if (live) throw new KeyTaken(key, holder);
    if ((await k.client.eval(SWAP, 1, k.key('unique'), key, cur, mine)) === 1) return;
  }
}
