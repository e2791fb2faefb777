/**
 * `tasks-move`: reordering a queued or held task within its priority by the enqueue-time part of
 * its file name (`<2000-priority>-<µs>-<ID>.task`), one rename, under the lock edit takes.
 */
import { fail } from '../errors.js';
import { PRIORITY_RANGE } from './task.js';
import { dirNames, find, nameInfo, taskName, taskPath, type Found, type Tree } from './tree.js';
import { moveUnchanged } from './transitions.js';
import { notWaiting, withEditLock } from './hold.js';

/** The enqueue time (µs) a file name sorts by, and its priority part. */
export function nameParts(name: string): { p: string; us: number } {
  const m = /^(\d{4})-(\d{16})-/.exec(nameInfo(name).key);
  if (!m) throw fail('conflict', `${name} has a file name this version cannot reorder`);
  return { p: m[1], us: Number(m[2]) };
}

/** Where `tasks-move` puts a task: first of its priority, or right after another. */
export type Place = { first: true } | { after: string };

/** Reorder a queued or held task within its priority; resolves to its new file name. */
export function move(t: Tree, id: string, place: Place): Promise<string> {
  return withEditLock(t, () => {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir !== 'queue' && f.dir !== 'held') notWaiting(id, f.dir, 'moved');
    const me = nameParts(f.name);
    const peers = peersOf(t, me.p, id);
    let us: number;
    if ('first' in place) {
      if (peers.length === 0 || peers[0].us > me.us) return f.name;
      us = peers[0].us - 1;
    } else {
      const anchor = find(t, place.after);
      if (!anchor) throw fail('not-found', `no task ${place.after} in ${t.root}`);
      if (anchor.dir !== 'queue' && anchor.dir !== 'held') throw fail('conflict', `task ${place.after} is not queued or held; a task can only be moved after one that is`);
      const a = nameParts(anchor.name);
      if (a.p !== me.p) throw fail('conflict', `task ${place.after} has another priority; tasks-move reorders within a priority (tasks-edit --priority changes it)`);
      const next = peers.findIndex((p) => p.us > a.us);
      if (next < 0) us = a.us + 1;
      else {
        if (peers[next].us - a.us < 2) makeRoom(t, peers, next, Number(me.p));
        us = a.us + Math.max(1, Math.floor((peers[next].us - a.us) / 2));
      }
    }
    const newName = taskName(id, 2 * PRIORITY_RANGE - Number(me.p), us);
    if (moveUnchanged(t, f.dir, f.name, f.dir, newName) !== 'moved') throw fail('conflict', `task ${id} was claimed by a worker as it was being moved`);
    return newName;
  });
}

interface Peer {
  f: Found;
  us: number;
}

/** Queued and held tasks of priority part `p` other than `id`, by enqueue time. */
function peersOf(t: Tree, p: string, id: string): Peer[] {
  const out: Peer[] = [];
  for (const dir of ['queue', 'held'] as const) {
    for (const name of dirNames(t.dir(dir))) {
      const info = nameInfo(name);
      if (info.id === id || !info.key.startsWith(`${p}-`)) continue;
      const us = Number(info.key.slice(5, 21));
      if (Number.isFinite(us)) out.push({ f: { dir, name, file: taskPath(t, dir, name) }, us });
    }
  }
  return out.sort((a, b) => a.us - b.us);
}

/** Shift the run of back-to-back times from `peers[i]` on by one microsecond, last first, so a gap opens before it. */
function makeRoom(t: Tree, peers: Peer[], i: number, p: number): void {
  let end = i;
  while (end + 1 < peers.length && peers[end + 1].us - peers[end].us < 2) end++;
  for (let j = end; j >= i; j--) {
    const peer = peers[j];
    const id = nameInfo(peer.f.name).id!;
    const shifted = taskName(id, 2 * PRIORITY_RANGE - p, peer.us + 1);
    // A peer claimed meanwhile has left the queue: it no longer needs a place.
    if (moveUnchanged(t, peer.f.dir, peer.f.name, peer.f.dir, shifted) === 'moved') peer.us += 1;
  }
}
