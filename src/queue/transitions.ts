/**
 * The filesystem transitions of a task, each one small and named: claim, record, apply a move.
 * A move appends its record to the file and then renames it, so at every instant the file is
 * whole and in exactly one state directory.
 */
import { encode, type Fields } from '../persist/codec.js';
import { RECORD_KEYS, type Task } from './task.js';
import type { Dir, Move } from './lifecycle.js';
import { appendTo, move, taskPath, type Tree } from './tree.js';
import { writeAtomic } from '../persist/atomic.js';

/** Claim a queued task: one rename. False when another worker won. */
export function claim(t: Tree, name: string): boolean {
  return move(t, 'queue', name, 'running');
}

/** Append a record to a task file in `dir` (the caller owns it there). */
export function record(t: Tree, dir: Dir, name: string, fields: Fields): void {
  appendTo(taskPath(t, dir, name), encode(fields));
}

/** Carry out a lifecycle move for a task file the caller owns in `from`. False if the file vanished. */
export function apply(t: Tree, from: Dir, name: string, task: Task, m: Move): boolean {
  const file = taskPath(t, from, name);
  if (m.compact) {
    writeAtomic(t.dir('tmp'), file, encode([...task.fields.filter(([k]) => !RECORD_KEYS.has(k)), ...m.append]));
  } else if (m.append.length) {
    appendTo(file, encode(m.append));
  }
  return m.to === from || move(t, from, name, m.to);
}
