/**
 * Pauses (`tasks-pause [--group G]`, `tasks-resume`): one file in paused/ per paused scope,
 * `queue` for the whole queue and `group.<G>` for the tasks whose GROUP is G. A worker reads
 * paused/ before it picks a task and again right after its claim's rename: a claim that lands
 * after a pause was written sees it and gives the task back unrun. `tasks-pause` then waits for
 * the claims that were past that look to start, so once it has returned no task starts (running
 * ones go on).
 */
import fs from 'node:fs';
import { fail, isErrno } from '../errors.js';
import { iso } from '../time.js';
import { dirNames, readTask, taskPath, type Tree } from './tree.js';
import { writeNew } from '../persist/atomic.js';

/** What is paused now: the whole queue (since when), and groups by name (since when). */
export interface Paused {
  all?: string;
  groups: Record<string, string>;
}

/** How often a worker that holds tasks back for a pause looks again (a resume takes effect within this). */
export const PAUSE_POLL_MS = 250;

const GROUP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why a group name is not acceptable, or undefined. */
export function groupProblem(g: string): string | undefined {
  return GROUP.test(g) ? undefined : `invalid group ${JSON.stringify(g)}: use 1-64 of A-Z a-z 0-9 . _ - (not starting with . _ -)`;
}

const fileOf = (t: Tree, group?: string) => `${t.dir('paused')}/${group === undefined ? 'queue' : `group.${group}`}`;

function checkGroup(group?: string): void {
  const bad = group === undefined ? undefined : groupProblem(group);
  if (bad) throw fail('usage', bad);
}

/** Pause the queue or one group; false when it was paused already. */
export function pause(t: Tree, group?: string, now = Date.now()): boolean {
  checkGroup(group);
  try {
    writeNew(fileOf(t, group), `${iso(now)}\n`, { fsync: true });
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
}

/**
 * Wait until no claim of a task the pause covers is between its rename and its start record
 * (each such claim has either seen the pause and given the task back, or is starting it), or
 * `ms` pass: a claimer that died there leaves its file for recovery, not for us to wait on.
 */
export async function claimsSettled(t: Tree, group?: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  const unstarted = () =>
    dirNames(t.dir('running')).some((name) => {
      const r = readTask(taskPath(t, 'running', name), name);
      return r?.ok && r.task.owner === undefined && (group === undefined || r.task.group === group);
    });
  while (unstarted() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
}

/** Resume the queue or one group; false when it was not paused. */
export function resume(t: Tree, group?: string): boolean {
  checkGroup(group);
  try {
    fs.unlinkSync(fileOf(t, group));
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/** What is paused now (one read of paused/; a tree without it: nothing). */
export function pausedNow(t: Tree): Paused {
  const p: Paused = { groups: {} };
  let names: string[];
  try {
    names = dirNames(t.dir('paused'));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return p;
    throw err;
  }
  for (const n of names) {
    const since = () => fs.readFileSync(`${t.dir('paused')}/${n}`, 'utf8').trim();
    try {
      if (n === 'queue') p.all = since();
      else if (n.startsWith('group.')) p.groups[n.slice(6)] = since();
    } catch {
      // resumed as we looked
    }
  }
  return p;
}

/** Whether a task of `group` is held back by `p`. */
export function pausedFor(p: Paused | undefined, group: string | undefined): boolean {
  return !!p && (p.all !== undefined || (group !== undefined && p.groups[group] !== undefined));
}

/** `queue paused since …; group gpu paused since …`, or undefined when nothing is. */
export function pausedLine(p: Paused): string | undefined {
  const parts = [...(p.all ? [`queue paused since ${p.all}`] : []), ...Object.entries(p.groups).map(([g, s]) => `group ${g} paused since ${s}`)];
  return parts.length ? parts.join('; ') : undefined;
}

/** Whether a task of `group` is held back now: one or two lstats (a worker asks after each claim). */
export function pausedNowFor(t: Tree, group: string | undefined): boolean {
  const there = (g?: string) => fs.lstatSync(fileOf(t, g), { throwIfNoEntry: false }) !== undefined;
  return there() || (group !== undefined && there(group));
}
