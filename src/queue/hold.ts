/**
 * Holding tasks (pueue's stash): `tasks-hold` moves a queued task into held/, where no worker
 * looks, and `tasks-release` moves it back, each by one rename (a claim racing a hold: one of
 * the two renames wins, the other finds nothing). The task keeps its file name, so it is released
 * to its place in dispatch order. Hold, release, edit, move and the cancel of a held task take
 * one lock among themselves (workers never take it).
 */
import path from 'node:path';
import { withLock } from '../persist/lock.js';
import { fail } from '../errors.js';
import { moveUnchanged } from './transitions.js';
import { find, type Tree } from './tree.js';

/** Run `fn` under the lock of the commands that change queued and held tasks. */
export function withEditLock<T>(t: Tree, fn: () => T | Promise<T>): Promise<T> {
  return withLock(path.join(t.root, 'edit.lock'), fn, { staleMs: 10_000, waitMs: 30_000 });
}

/** Why a task in `dir` cannot be held, released or edited: it is running or finished. */
export function notWaiting(id: string, dir: string, verb: string): never {
  const where = dir === 'running' ? 'running (a worker has claimed it)' : `finished (${dir})`;
  throw fail('conflict', `task ${id} is ${where}; only queued or held tasks can be ${verb}`);
}

/** Hold a queued task; 'already' when it was held. */
export function hold(t: Tree, id: string): Promise<'held' | 'already'> {
  return withEditLock(t, () => {
    for (;;) {
      const f = find(t, id);
      if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
      if (f.dir === 'held') return 'already';
      if (f.dir !== 'queue') notWaiting(id, f.dir, 'held');
      const out = moveUnchanged(t, 'queue', f.name, 'held');
      if (out === 'moved') return 'held';
      if (out === 'exists') throw fail('conflict', `held/ already has a file named ${f.name}; look at ${t.dir('held')}`);
      // gone: a worker claimed it as we moved it; look again (it is running now)
    }
  });
}

/** Release a held task to the queue; 'already' when it was queued. */
export function release(t: Tree, id: string): Promise<'released' | 'already'> {
  return withEditLock(t, () => {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir === 'queue') return 'already';
    if (f.dir !== 'held') notWaiting(id, f.dir, 'released');
    const out = moveUnchanged(t, 'held', f.name, 'queue');
    if (out !== 'moved') throw fail('conflict', `task ${id} could not be released: ${out === 'exists' ? 'queue/ already holds its name' : 'it left held/'}`);
    return 'released';
  });
}
