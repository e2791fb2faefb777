/**
 * `tasks-edit` and `tasks-move`: changing a queued or held task without a worker ever seeing it
 * half-changed. A queued task is first taken out of the queue by one rename into held/ (a worker
 * claiming it at the same moment: one rename wins; if the worker's did, the edit fails with exit 4
 * and says so). The new version replaces the held file by rename (one file, never two), then goes
 * back to queue/ under its new name (a priority changes the name). A crash in between leaves the
 * task held: whole, unrun, released with tasks-release.
 */
import { encode, type Fields } from '../persist/codec.js';
import { fail } from '../errors.js';
import { iso } from '../time.js';
import { stagingPath, writeNew } from '../persist/atomic.js';
import fs from 'node:fs';
import { parseTask, PRIORITY_RANGE, RECORD_KEYS } from './task.js';
import { find, nameInfo, readTask, taskName, taskPath, dirNames, type Found, type Tree } from './tree.js';
import { moveUnchanged } from './transitions.js';
import { notWaiting, withEditLock } from './hold.js';
import { groupProblem } from './pause.js';

/** What `tasks-edit` changes; what is not given stays. */
export interface Edit {
  cmd?: string;
  priority?: number;
  /** `KEY=VALUE`: sets KEY, replacing its earlier value. */
  env?: string[];
  cwd?: string;
  label?: string;
  group?: string;
  /** Not before (epoch ms); replaces AT and any later DUE. */
  at?: number;
}

/**
 * The fields of a task with `e` applied: each changed key replaced where it first was (or added
 * before the run records), its other values dropped. Pure; throws OrcError('usage') for bad values.
 */
export function applyEdit(fields: Fields, e: Edit): Fields {
  const set = new Map<string, string | undefined>();
  if (e.cmd !== undefined) set.set('CMD', e.cmd);
  if (e.priority !== undefined) {
    if (!Number.isInteger(e.priority) || Math.abs(e.priority) > PRIORITY_RANGE) throw fail('usage', `--priority must be a whole number from -${PRIORITY_RANGE} to ${PRIORITY_RANGE}`);
    set.set('PRIORITY', e.priority === 0 ? undefined : String(e.priority));
  }
  if (e.cwd !== undefined) set.set('CWD', e.cwd);
  if (e.label !== undefined) set.set('LABEL', e.label);
  if (e.group !== undefined) {
    const bad = groupProblem(e.group);
    if (bad) throw fail('usage', bad);
    set.set('GROUP', e.group);
  }
  if (e.at !== undefined) {
    set.set('AT', iso(e.at));
    set.set('DUE', undefined);
  }
  const envKeys = new Set<string>();
  for (const kv of e.env ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(kv);
    if (!m) throw fail('usage', `--env ${JSON.stringify(kv)} is not NAME=value`);
    envKeys.add(m[1]);
  }
  const out: Fields = [];
  const placed = new Set<string>();
  const place = (key: string) => {
    if (placed.has(key)) return;
    placed.add(key);
    if (key === 'ENV') for (const kv of e.env ?? []) out.push(['ENV', kv]);
    else if (set.get(key) !== undefined) out.push([key, set.get(key)!]);
  };
  for (const [k, v] of fields) {
    if (set.has(k)) place(k);
    else if (k === 'ENV' && envKeys.has(v.slice(0, v.indexOf('=')))) place('ENV');
    else {
      // New keys go in before the first run record, with the spec.
      if (RECORD_KEYS.has(k)) for (const key of [...set.keys(), ...(envKeys.size ? ['ENV'] : [])]) if (key !== 'DUE') place(key);
      out.push([k, v]);
    }
  }
  for (const key of [...set.keys(), ...(envKeys.size ? ['ENV'] : [])]) if (key !== 'DUE') place(key);
  return out;
}

/** The enqueue time (µs) a file name sorts by, and its priority part. */
function nameParts(name: string): { p: string; us: number } {
  const m = /^(\d{4})-(\d{16})-/.exec(nameInfo(name).key);
  if (!m) throw fail('conflict', `${name} has a file name this version cannot reorder`);
  return { p: m[1], us: Number(m[2]) };
}

/** Take a queued or held task out of workers' reach (into held/) under the edit lock; where it was. */
function takeOut(t: Tree, id: string, verb: string): { from: 'queue' | 'held'; name: string } {
  for (;;) {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir === 'held') return { from: 'held', name: f.name };
    if (f.dir !== 'queue') notWaiting(id, f.dir, verb);
    const out = moveUnchanged(t, 'queue', f.name, 'held');
    if (out === 'moved') return { from: 'queue', name: f.name };
    if (out === 'exists') throw fail('conflict', `held/ already has a file named ${f.name}; look at ${t.dir('held')}`);
    const now = find(t, id);
    if (now && now.dir !== 'queue' && now.dir !== 'held') {
      throw fail('conflict', `task ${id} was claimed by a worker as it was being ${verb}; it was not ${verb} and runs as it was`);
    }
  }
}

/** Edit a queued or held task; resolves to where it is now. */
export function edit(t: Tree, id: string, e: Edit): Promise<'queue' | 'held'> {
  return withEditLock(t, () => {
    const { from, name } = takeOut(t, id, 'edited');
    const held = taskPath(t, 'held', name);
    let newName = name;
    try {
      const r = readTask(held, name, true);
      if (!r?.ok) throw fail('conflict', `task ${id} is not a valid task file (${r?.ok === false ? r.reason : 'gone'}); not edited`);
      const fields = applyEdit(r.task.fields, e);
      let task;
      try {
        task = parseTask(fields, id);
      } catch (err) {
        throw fail('usage', `the edit would make ${id} invalid: ${(err as Error).message}`);
      }
      const renamed = taskName(id, task.priority, nameParts(name).us);
      const staged = stagingPath(t.dir('tmp'), name);
      writeNew(staged, encode(fields), { fsync: true });
      try {
        fs.renameSync(staged, held); // the new version in place of the old: one file
      } catch (err) {
        fs.rmSync(staged, { force: true });
        throw err;
      }
      newName = renamed;
    } finally {
      // Back where it was, under its new name: also when the edit was refused.
      const out = from === 'held' && newName === name ? 'moved' : moveUnchanged(t, 'held', name, from, newName);
      if (out !== 'moved') throw fail('failed', `task ${id} was left in ${t.dir('held')} (${out}); tasks-release ${id} puts it back`);
    }
    return from;
  });
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
