/**
 * Groups (issue 18): tasks with `GROUP=G` run at most G's limit at once, across every worker of
 * the tree. The limit is `groups/G/parallel`; the running tasks hold the group's slots, the files
 * `groups/G/slot.0` … `slot.<limit-1>`, each under an exclusive flock(2) taken by the worker's
 * launcher before the claim's rename and kept by the task's recorder until the run is over
 * (launcher.pl). The kernel frees a slot when its holders die, however they die.
 *
 * Raising the limit is used at once (the next claim tries the new slots). Lowering it never stops
 * a run: a slot at or above the new limit that is still held counts against slot `i mod limit`, so
 * no new run starts until the running ones are fewer than the new limit. Slot files are never
 * removed while the group exists, so two holders can never hold two files of one name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail, isErrno } from '../errors.js';
import { writeAtomic } from '../persist/atomic.js';
import { gateNameProblem } from './task.js';
import { dirNames, readTask, type Tree } from './tree.js';
import { ownDir, touchFile } from './gate-files.js';

/** The largest limit a group may have. */
export const MAX_PARALLEL = 1000;

export interface GroupInfo {
  group: string;
  /** undefined: tasks name it but it was never set (a worker makes it with limit 1 when it meets one). */
  parallel?: number;
  running: number;
  queued: number;
}

const groupsDir = (t: Tree) => path.join(t.root, 'groups');
const groupDir = (t: Tree, name: string) => path.join(groupsDir(t), name);

/** A bad group name: one line, exit 2 (both backends). */
export function checkName(name: string): void {
  const bad = gateNameProblem('group', name);
  if (bad) throw fail('usage', bad);
}

/** A bad limit: one line, exit 2 (both backends). */
export function checkParallel(parallel: number): void {
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) throw fail('usage', `--parallel must be a whole number from 1 to ${MAX_PARALLEL}`);
}

/** The group's limit, or undefined when the group does not exist. */
export function groupLimit(t: Tree, name: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path.join(groupDir(t, name), 'parallel'), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
  const buf = Buffer.alloc(16);
  let text: string;
  try {
    text = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0));
  } finally {
    fs.closeSync(fd);
  }
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 1 && n <= MAX_PARALLEL ? n : 1;
}

/** Create group `name` or change its limit; live for every worker's next claim. Returns the limit it had. */
export function setGroup(t: Tree, name: string, parallel: number): { before?: number } {
  checkName(name);
  checkParallel(parallel);
  ownDir(groupsDir(t));
  const dir = groupDir(t, name);
  ownDir(dir);
  const before = groupLimit(t, name);
  // The slots first: a worker that reads the new limit finds every slot below it.
  for (let i = 0; i < parallel; i++) touchFile(path.join(dir, `slot.${i}`));
  writeAtomic(t.dir('tmp'), path.join(dir, 'parallel'), `${parallel}\n`, { fsync: true });
  return { before };
}

/**
 * What a claim of a task in group `name` must take, for the launcher: `slots <limit> <dir>`. A
 * group that does not exist (a hand-written task file, or one removed under its task) is made
 * with limit 1, so its task runs rather than waiting for ever.
 */
export function slotNeed(t: Tree, name: string): string {
  const dir = groupDir(t, name);
  let limit = groupLimit(t, name);
  if (limit === undefined) limit = setGroup(t, name, 1).before ?? 1;
  else ownDir(groupsDir(t), false) && ownDir(dir, false); // lstats only: this runs for every claim of a grouped task
  return `slots ${limit} ${dir}`;
}

/** How many tasks of each group are queued and running (read from their files). */
function taskCounts(t: Tree): Map<string, { running: number; queued: number }> {
  const tasks: Array<{ dir: 'queue' | 'running'; group?: string }> = [];
  for (const dir of ['queue', 'running'] as const) {
    for (const name of dirNames(t.dir(dir))) {
      const r = readTask(`${t.dir(dir)}/${name}`, name);
      tasks.push({ dir, group: r?.ok ? r.task.group : undefined });
    }
  }
  return groupCounts(tasks);
}

/** How many tasks of each group are queued and running, from where each task is (both backends). */
export function groupCounts(tasks: Iterable<{ dir: 'queue' | 'running'; group?: string }>): Map<string, { running: number; queued: number }> {
  const counts = new Map<string, { running: number; queued: number }>();
  for (const { dir, group } of tasks) {
    if (group === undefined) continue;
    const c = counts.get(group) ?? { running: 0, queued: 0 };
    if (dir === 'queue') c.queued++;
    else c.running++;
    counts.set(group, c);
  }
  return counts;
}

/** Every group: those set, and those only tasks name; sorted by name. */
export function listGroups(t: Tree): GroupInfo[] {
  const counts = taskCounts(t);
  const names = new Set(counts.keys());
  if (ownDir(groupsDir(t), false)) for (const n of dirNames(groupsDir(t))) if (!gateNameProblem('group', n)) names.add(n);
  return [...names].sort().map((group) => ({ group, parallel: groupLimit(t, group), running: 0, queued: 0, ...counts.get(group) }));
}

/** Remove group `name`: refused (exit 4) while a task of it is queued or running; exit 3 when there is no such group. */
export function removeGroup(t: Tree, name: string): void {
  checkName(name);
  const c = taskCounts(t).get(name);
  if (c) throw fail('conflict', `group ${name} has ${c.running} running and ${c.queued} queued task(s); remove it once they are done (or cancel them)`);
  const dir = groupDir(t, name);
  if (!ownDir(groupsDir(t), false) || !ownDir(dir, false)) throw fail('not-found', `no group ${name} in ${t.root}`);
  for (const f of dirNames(dir)) fs.rmSync(path.join(dir, f), { force: true });
  fs.rmdirSync(dir);
}
