/**
 * The filesystem transitions of a task, each one small and named. A move appends its record to
 * the file in one write (cut back if it does not land whole) and then moves the file on: into
 * queue/ by rename, elsewhere by link(2) and unlink, so a move never replaces a file. At every
 * instant the task is whole in one state directory, except between the link and the unlink,
 * where a crash leaves the same file in running/ and in its next directory: recovery finishes
 * such a move (recover.ts). Only their holder (or a recoverer under its lock) moves a task file.
 * The claim itself, a rename under a kernel lock, is the launcher's (launcher.pl).
 */
import fs from 'node:fs';
import { encode } from '../persist/codec.js';
import { appendWhole, stagingPath, writeNew } from '../persist/atomic.js';
import { RECORD_KEYS, type Task } from './task.js';
import type { Dir, Move } from './lifecycle.js';
import { taskPath, type Tree } from './tree.js';
import { isErrno } from '../errors.js';

/** How a transition went: done; the source was gone (someone else moved it); or the destination existed. */
export type Outcome = 'moved' | 'gone' | 'exists';

/**
 * Carry out a lifecycle move for the task file `name` in `from`, whose current text is `text`
 * (the caller holds it, or has taken it under the recovery lock). Throws on a fs error, such as
 * a full disk, leaving the file where it was and tmp/ clean.
 */
export function settle(t: Tree, from: Dir, name: string, task: Task, text: string, m: Move): Outcome {
  // A recurring task starts each period as its spec again: a new version, written whole.
  if (m.compact) return replaceInto(t, from, name, m.to, encode([...task.fields.filter(([k]) => !RECORD_KEYS.has(k)), ...m.append]));
  const file = taskPath(t, from, name);
  if (!fs.lstatSync(file, { throwIfNoEntry: false })) return 'gone';
  if (m.to !== from && fs.lstatSync(taskPath(t, m.to, name), { throwIfNoEntry: false })) return 'exists';
  // (A hand-written file may lack its last newline: the record must not join that line.)
  if (m.append.length) appendWhole(file, (text === '' || text.endsWith('\n') ? '' : '\n') + encode(m.append));
  return m.to === from ? 'moved' : moveUnchanged(t, from, name, m.to);
}

/**
 * Move a file on unchanged: a claim given back to queue/, a task held or released, or a file of
 * ours rejected as invalid. Into queue/, and into or out of held/, by rename: a claimer refuses a
 * file with two links, and nothing recovers a move out of held/ halfway.
 */
export function moveUnchanged(t: Tree, from: Dir, name: string, to: Dir, newName = name): Outcome {
  const src = taskPath(t, from, name);
  const dest = taskPath(t, to, newName);
  if (to === 'queue' || to === 'held' || from === 'held' || newName !== name) return renameInto(src, dest);
  try {
    fs.linkSync(src, dest);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 'gone';
    if (isErrno(err, 'EEXIST')) return 'exists';
    throw err;
  }
  return unlinkSource(t, from, name);
}

/**
 * Into queue/ a file goes by rename, never as a second link: a claimer refuses a file with two
 * links (someone could have linked it from outside the tree). Nothing else names a task file in
 * queue/ while its mover holds the task (its claim, or the recovery lock), so the check is enough.
 */
function renameInto(src: string, dest: string): Outcome {
  if (fs.lstatSync(dest, { throwIfNoEntry: false })) return 'exists';
  try {
    fs.renameSync(src, dest);
  } catch (err) {
    if (isErrno(err, 'ENOENT') && !fs.existsSync(src)) return 'gone';
    throw err;
  }
  return 'moved';
}

/**
 * A queued file that must not be run (a symlink, a hard link, a directory, another user's file,
 * one writable by others): moved to failed/ as it is, never opened for writing; whoever reads it
 * there is told why by the same checks (readTaskText's strict reading, launcher.pl's claim).
 */
export function quarantine(t: Tree, name: string): Outcome {
  return renameInto(taskPath(t, 'queue', name), taskPath(t, 'failed', name));
}

function replaceInto(t: Tree, from: Dir, name: string, to: Dir, text: string): Outcome {
  const staged = stagingPath(t.dir('tmp'), name);
  writeNew(staged, text);
  try {
    if (!fs.existsSync(taskPath(t, from, name))) return 'gone';
    if (to === 'queue') {
      // The new version replaces our own held name first, then moves on: at no moment are there
      // two files of the task, one of which a claimer could take while the other is unlinked.
      if (fs.lstatSync(taskPath(t, to, name), { throwIfNoEntry: false })) return 'exists';
      fs.renameSync(staged, taskPath(t, from, name));
      return renameInto(taskPath(t, from, name), taskPath(t, to, name));
    }
    try {
      fs.linkSync(staged, taskPath(t, to, name));
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return 'exists';
      throw err;
    }
    return unlinkSource(t, from, name);
  } finally {
    fs.rmSync(staged, { force: true });
  }
}

function unlinkSource(t: Tree, from: Dir, name: string): Outcome {
  try {
    fs.unlinkSync(taskPath(t, from, name));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  return 'moved';
}
