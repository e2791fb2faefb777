/** Adding tasks: validate, stage in tmp/, rename into queue/. */
import fs from 'node:fs';
import path from 'node:path';
// The suffix only tells apart IDs made in the same microsecond, so nanoid's non-secure generator
// does: the secure one loads node:crypto and WebCrypto, ~10 ms of every enqueue's start-up.
import { customAlphabet } from 'nanoid/non-secure';
import { encode } from '../persist/codec.js';
import { idProblem, PRIORITY_RANGE, specFields, textFor, type TaskSpec } from './task.js';
import { ensureTree, find, stamp, taskName, type Tree } from './tree.js';
import { writeAtomic } from '../persist/atomic.js';
import { fail } from '../errors.js';
import { withLock } from '../persist/lock.js';
import { checkUnique, releaseKey, takeKey } from './unique.js';
import { groupLimit } from './groups.js';

const suffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 4);

/** A new ID: `t` + creation time (base 36, sortable) + 4 random characters. Never starts with `-`. */
export function newId(stampUs = stamp()): string {
  return `t${stampUs.toString(36).padStart(11, '0')}${suffix()}`;
}

/** What enqueue takes: a spec whose ID is optional (generated when absent); `hold`: into held/, not the queue. */
export type NewTask = Omit<TaskSpec, 'id'> & { id?: string; hold?: boolean };

/** An empty command is refused (exit 2), on every backend. */
export function checkCmd(cmd: string): void {
  if (cmd.trim() === '') throw fail('usage', 'empty command: give one after --, e.g. tmux-orc tasks-enqueue -- make test');
}

/**
 * What every backend checks of a spec before anything is written (throws OrcError('usage')):
 * the ID, the environment, the priority and the dependencies' syntax. Returns the dependencies,
 * each with the option that named it, for the backend to look up.
 */
export function checkSpec(spec: Omit<NewTask, 'cmd'>): Array<[opt: string, id: string]> {
  if (spec.id !== undefined) {
    const bad = idProblem(spec.id);
    if (bad) throw fail('usage', bad);
  }
  for (const e of spec.env ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(e)) throw fail('usage', `--env ${JSON.stringify(e)} is not NAME=value`);
  }
  const p = spec.priority ?? 0;
  if (!Number.isInteger(p) || Math.abs(p) > PRIORITY_RANGE) throw fail('usage', `--priority must be a whole number from -${PRIORITY_RANGE} to ${PRIORITY_RANGE}`);
  const deps: Array<[string, string]> = [];
  for (const [opt, ids] of [['--after', spec.after], ['--after-any', spec.afterAny]] as const) {
    for (const dep of ids ?? []) {
      const bad = idProblem(dep);
      if (bad) throw fail('usage', `${opt}: ${bad}`);
      if (dep === spec.id) throw fail('usage', `${opt} names the task itself (${dep})`);
      deps.push([opt, dep]);
    }
  }
  return deps;
}

/** Check everything but the command before anything is written; throws OrcError('usage' | 'not-found'). */
function checkOptions(t: Tree, spec: Omit<NewTask, 'cmd'>): void {
  for (const [opt, dep] of checkSpec(spec)) if (!find(t, dep)) throw fail('not-found', `${opt}: no task ${dep} in ${t.root}`);
  checkUnique(spec.unique);
  if (spec.onFinish !== undefined && spec.onFinish.trim() === '') throw fail('usage', '--on-finish: give a command');
  // A typo must not make a new group quietly (issue 18): groups are made by `group set`.
  if (spec.group !== undefined && groupLimit(t, spec.group) === undefined) {
    throw fail('not-found', `--group: no group ${spec.group} in ${t.root}; create it first: tmux-orc group set ${spec.group} --parallel N`);
  }
}

/**
 * Enqueue one task and return its ID. An explicit ID is checked for uniqueness across the whole
 * tree under a lock (rare), so two enqueues of the same ID cannot both succeed.
 */
export async function enqueue(t: Tree, spec: NewTask, opts: { fsync?: boolean; now?: number } = {}): Promise<string> {
  ensureTree(t);
  checkCmd(spec.cmd);
  checkOptions(t, spec);
  const now = opts.now ?? Date.now();
  const { hold, ...fields } = spec;
  const writeFile = (id: string, us: number) => {
    const name = taskName(id, spec.priority ?? 0, us);
    writeAtomic(t.dir('tmp'), path.join(t.dir(hold ? 'held' : 'queue'), name), encode(specFields({ ...fields, id }, now)), { fsync: opts.fsync ?? true });
    return id;
  };
  // A unique key is taken before the file lands in the queue, and given back if it cannot.
  const write = async () => {
    const us = stamp(now);
    const id = spec.id ?? newId(us);
    if (spec.unique === undefined) return writeFile(id, us);
    await takeKey(t, spec.unique, id);
    try {
      return writeFile(id, us);
    } catch (err) {
      await releaseKey(t, spec.unique, id).catch(() => undefined); // a leftover is recovered by the next enqueue
      throw err;
    }
  };
  if (spec.id === undefined) return write();
  const id = spec.id;
  return withLock(path.join(t.root, 'ids.lock'), () => {
    if (find(t, id)) throw fail('conflict', `task ID ${id} already exists`);
    return write();
  }, { waitMs: 5000 });
}

/** What a bulk enqueue did: the IDs queued, in order, and where it stopped if it could not queue them all. */
export interface Bulk {
  ids: string[];
  /** The index in `cmds` it stopped at, and why (a full disk): the IDs before it are queued, none after. */
  stopped?: { index: number; error: unknown };
}

/**
 * Enqueue many commands with the same options from one process (bulk, `--stdin`): the options
 * are checked and encoded once, no per-file fsync, one fsync of the queue directory at the end.
 * A write that fails (a full disk) stops it there, leaving tmp/ clean: what it returns is exactly
 * what was queued. `onQueued` is told the count after each file (a status line).
 */
export function enqueueMany(t: Tree, spec: Omit<NewTask, 'cmd'>, cmds: string[], now = Date.now(), onQueued?: (n: number) => void): Bulk {
  ensureTree(t);
  if (spec.id !== undefined) throw fail('usage', 'bulk enqueue generates IDs; drop --id');
  if (spec.unique !== undefined) throw fail('usage', '--unique is for one task; drop it, or enqueue each line on its own');
  checkOptions(t, spec);
  cmds.forEach(checkCmd);
  const { hold, ...fields } = spec;
  const text = textFor(fields, now);
  const queue = t.dir(hold ? 'held' : 'queue') + path.sep;
  const priority = spec.priority ?? 0;
  const ids: string[] = [];
  let stopped: Bulk['stopped'];
  for (const [index, cmd] of cmds.entries()) {
    const us = stamp(now);
    const id = newId(us);
    try {
      writeAtomic(t.dir('tmp'), queue + taskName(id, priority, us), text(id, cmd));
    } catch (error) {
      stopped = { index, error };
      break;
    }
    ids.push(id);
    onQueued?.(ids.length);
  }
  const fd = fs.openSync(t.dir('queue'), 'r');
  try {
    fs.fsyncSync(fd);
  } catch {
    // what was renamed into queue/ is queued; the fsync only hastens it to the disk
  } finally {
    fs.closeSync(fd);
  }
  return { ids, stopped };
}
