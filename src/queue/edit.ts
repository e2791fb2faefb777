/**
 * `tasks-edit`: changing a queued or held task without a worker ever seeing it half-changed. A
 * queued task is first taken out of the queue by one rename into held/ (a worker claiming it at
 * the same moment: one rename wins; if the worker's did, the edit fails with exit 4 and says so).
 * The new version replaces the held file by rename (one file, never two), then goes back to
 * queue/ under its new name (a priority changes the name). A crash in between leaves the task
 * held: whole, unrun, released with tasks-release.
 */
import fs from 'node:fs';
import { encode } from '../persist/codec.js';
import { fail } from '../errors.js';
import { stagingPath, writeNew } from '../persist/atomic.js';
import { parseTask } from './task.js';
import { find, readTask, taskName, taskPath, type Tree } from './tree.js';
import { moveUnchanged } from './transitions.js';
import { notWaiting, withEditLock } from './hold.js';
import { applyEdit, type Edit } from './edit-fields.js';
import { nameParts } from './move.js';

export type { Edit } from './edit-fields.js';

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
