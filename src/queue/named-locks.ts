/**
 * Named locks (issue 18): `locks/<NAME>`, one empty file per name, locked with flock(2) by whoever
 * holds the lock: a worker's launcher and its task's recorder for a task with `LOCK=NAME`
 * (launcher.pl), or the command of `tmux-orc lock NAME -- CMD` (lock-holder.pl). A kernel lock, so
 * it is released when its holders die, however they die; the files are never removed (a holder of
 * a removed file would hold a lock nobody else sees).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';
import { gateNameProblem } from './task.js';
import { dirNames, readTask, type Tree } from './tree.js';
import { ownDir, touchFile } from './gate-files.js';
import { lockHolders } from './locks.js';

const locksDir = (t: Tree) => path.join(t.root, 'locks');

export function checkLockName(name: string): void {
  const bad = gateNameProblem('lock', name);
  if (bad) throw fail('usage', bad);
}

/** The lock's file, made (0600, in a checked 0700 `locks/`) if it is new. */
export function lockFile(t: Tree, name: string): string {
  checkLockName(name);
  ownDir(locksDir(t));
  const file = path.join(locksDir(t), name);
  touchFile(file);
  return file;
}

/** What a claim of a task with `LOCK=name` must take, for the launcher. */
export const lockNeed = (t: Tree, name: string): string => `lock ex ${lockFile(t, name)}`;

/** One holder of a named lock. */
export interface LockHolder {
  name: string;
  mode: 'exclusive' | 'shared';
  /** The process that took it (for a task's lock: its worker's launcher, whose task's recorder may hold it on alone). */
  pid: number;
  /** The running task that holds it, when a task does. */
  task?: string;
  /** Processes waiting for it (`tmux-orc lock` without a timeout blocks in the kernel). */
  waiting: number;
}

/** Who holds which named lock now, from /proc/locks; sorted by name. `text`: /proc/locks' contents (read when not given). */
export function listLocks(t: Tree, text?: string | null): LockHolder[] {
  if (!ownDir(locksDir(t), false)) return [];
  const holders = lockHolders(text);
  const byTask = new Map<string, string>();
  for (const name of dirNames(t.dir('running'))) {
    const r = readTask(`${t.dir('running')}/${name}`, name);
    if (r?.ok && r.task.lock !== undefined) byTask.set(r.task.lock, r.task.id);
  }
  const out: LockHolder[] = [];
  for (const name of dirNames(locksDir(t)).sort()) {
    const st = fs.lstatSync(path.join(locksDir(t), name), { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    const h = holders(st);
    for (const l of h.held) out.push({ name, mode: l.shared ? 'shared' : 'exclusive', pid: l.pid, task: l.shared ? undefined : byTask.get(name), waiting: h.waiting });
  }
  return out;
}

/** The pids holding lock `name` now, for a message. */
export function lockHolderPids(t: Tree, name: string): number[] {
  return listLocks(t).filter((l) => l.name === name).map((l) => l.pid);
}
