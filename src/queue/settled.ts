/**
 * What follows a task's arrival in done/ or failed/, whoever settled it (its worker, recovery, a
 * cancel): its unique key is given up and its completion hooks start. Neither can change where
 * the task went; their failures become lines.
 */
import fs from 'node:fs';
import { readTask, taskPath, type Tree } from './tree.js';
import type { Dir } from './lifecycle.js';
import type { Task } from './task.js';
import { releaseKey } from './unique.js';
import { startHooks } from './hooks.js';
import { describe } from '../errors.js';

/**
 * Called once the file `name` of `task` has landed in `to`; resolves to lines for the pane (a
 * hook that failed, a key that could not be given up). Undefined when there is nothing to do.
 */
export function afterSettle(t: Tree, task: Task, to: Dir, name: string): Promise<string[]> | undefined {
  if (to !== 'done' && to !== 'failed') return undefined;
  if (task.unique === undefined && task.onFinish === undefined && !hasTreeHook(t)) return undefined;
  // The hooks are told what the file says now, with the result just appended.
  const read = readTask(taskPath(t, to, name));
  const final = read?.ok ? read.task : task;
  const key = task.unique === undefined
    ? Promise.resolve([])
    : releaseKey(t, task.unique, task.id).then(() => [], (err) => [`${task.id}: could not give up unique key ${task.unique}: ${describe(err)}`]);
  let hooks: Promise<string[]>;
  try {
    hooks = startHooks(t, final, to) ?? Promise.resolve([]);
  } catch (err) {
    hooks = Promise.resolve([`${task.id}: hooks not run: ${describe(err)}`]);
  }
  return Promise.all([key, hooks]).then(([a, b]) => [...a, ...b]);
}

/** One lstat: most trees have no hook, and a worker asks after every task. */
const hasTreeHook = (t: Tree) => fs.lstatSync(`${t.dir('hooks')}/on-finish`, { throwIfNoEntry: false }) !== undefined;
