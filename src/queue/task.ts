/**
 * The typed view of a task file, its validation, and the fields written at enqueue.
 *
 * Spec keys are written once at enqueue and may not contradict themselves. Record keys are
 * appended by workers and recoverers over the task's life; the last one wins.
 */
import { all, encode, encodeField, last, type Fields } from '../persist/codec.js';
import { formatDuration, iso, parseDuration } from '../time.js';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const PRIORITY_RANGE = 1000;

/** Why an ID is not acceptable, or undefined when it is. */
export function idProblem(id: string): string | undefined {
  if (!ID_PATTERN.test(id) || id.includes('..')) {
    return `invalid task ID ${JSON.stringify(id)}: use 1-128 of A-Z a-z 0-9 . _ - (not starting with . _ -, no "..")`;
  }
  return undefined;
}

/** What `tasks-enqueue` asks for. */
export interface TaskSpec {
  id: string;
  cmd: string;
  cwd?: string;
  /** `KEY=VALUE` strings, applied on top of the worker's environment. */
  env?: string[];
  /** Higher runs first; -1000..1000, default 0. */
  priority?: number;
  /** IDs that must be done first. */
  after?: string[];
  /** IDs that must have ended first, whatever their result (AFTER_ANY). */
  afterAny?: string[];
  /** UNIQUE: refused while a queued, held or running task holds this key (unique.ts). */
  unique?: string;
  /** A command run after the task settles (ON_FINISH), as the tree's hooks/on-finish is. */
  onFinish?: string;
  /** Not before this epoch-ms time. */
  at?: number;
  timeoutMs?: number;
  /** Further attempts after a failure. */
  retries?: number;
  /** First retry delay; doubles per attempt. */
  backoffMs?: number;
  label?: string;
  /** Recurrence: after each run the task goes back to the queue, due one period later. */
  everyMs?: number;
  /** Runs at most the group's limit at once, across all workers (src/queue/groups.ts). */
  group?: string;
  /** A named lock held while it runs (src/queue/named-locks.ts). */
  lock?: string;
  /** Extra keys to keep verbatim (unknown keys from hand-written files, schedules). */
  extra?: Fields;
}

/** A parsed task file. */
export interface Task {
  id: string;
  cmd: string;
  cwd?: string;
  env: Array<[string, string]>;
  priority: number;
  after: string[];
  /** IDs that must have ended first, whatever their result. */
  afterAny?: string[];
  /** UNIQUE: the key this task holds while it is queued, held or running. */
  unique?: string;
  /** ON_FINISH: its own completion hook. */
  onFinish?: string;
  /** Earliest start, epoch ms: the later of AT and the last DUE record. */
  due: number;
  timeoutMs?: number;
  retries: number;
  backoffMs: number;
  label?: string;
  everyMs?: number;
  /** GROUP= and LOCK= (issue 18): claimed only with a free slot of the group / the lock free; tasks-pause --group pauses a group. */
  group?: string;
  lock?: string;
  enqueuedAt?: number;
  attempt: number;
  /** The current run's owner, when a run is open (claimed and not yet closed by a STATUS). */
  owner?: Owner;
  status?: string;
  reason?: string;
  exit?: number;
  signal?: string;
  started?: number;
  finished?: number;
  fields: Fields;
}

/** Who runs a task: enough to tell, on this host, whether it can still be running. */
export interface Owner {
  worker: string;
  host: string;
  pid: number;
  /** The worker process's start time in clock ticks since boot (/proc/PID/stat field 22). */
  pidStart: string;
  started: number;
  /** The claim's token: every later step acts only while the file still carries it (fencing). */
  claim?: string;
  pgid?: number;
  /** No later than the group leader's start, in clock ticks since boot: what started before is not the task's. */
  pgidStart?: string;
  /** The run's result, once its launcher has recorded it (the run is over; it is settled, never re-run). */
  result?: { exit?: number; signal?: string };
}

const SPEC_KEYS = ['ID', 'CMD', 'CWD', 'PRIORITY', 'AFTER', 'AT', 'TIMEOUT', 'RETRIES', 'BACKOFF', 'LABEL', 'EVERY', 'ENQUEUED', 'AFTER_ANY', 'UNIQUE', 'ON_FINISH', 'GROUP', 'LOCK'];
const SPEC_SLOT = new Map(SPEC_KEYS.map((k, i) => [k, i]));
/** Keys appended over a task's life (the result record); everything else is the spec. */
export const RECORD_KEYS = new Set(['ATTEMPT', 'WORKER', 'HOST', 'WORKER_PID', 'WORKER_START', 'CLAIM', 'STARTED', 'PGID', 'PGID_START',
  'FINISHED', 'EXIT', 'SIGNAL', 'STATUS', 'REASON', 'DUE', 'CANCEL', 'RETRIED', 'RUNS', 'NOTE', 'DELIVERED', 'BUSY_SEEN']);
export const DEFAULT_BACKOFF_MS = 1000;

export function specFields(spec: TaskSpec, now: number): Fields {
  const f: Fields = [['ID', spec.id], ['CMD', spec.cmd]];
  if (spec.cwd !== undefined) f.push(['CWD', spec.cwd]);
  for (const e of spec.env ?? []) f.push(['ENV', e]);
  if (spec.priority) f.push(['PRIORITY', String(spec.priority)]);
  if (spec.after?.length) f.push(['AFTER', spec.after.join(',')]);
  if (spec.at !== undefined) f.push(['AT', iso(spec.at)]);
  if (spec.timeoutMs !== undefined) f.push(['TIMEOUT', formatDuration(spec.timeoutMs)]);
  if (spec.retries) f.push(['RETRIES', String(spec.retries)]);
  if (spec.backoffMs !== undefined) f.push(['BACKOFF', formatDuration(spec.backoffMs)]);
  if (spec.label !== undefined) f.push(['LABEL', spec.label]);
  if (spec.everyMs !== undefined) f.push(['EVERY', formatDuration(spec.everyMs)]);
  if (spec.afterAny?.length) f.push(['AFTER_ANY', spec.afterAny.join(',')]);
  if (spec.unique !== undefined) f.push(['UNIQUE', spec.unique]);
  if (spec.onFinish !== undefined) f.push(['ON_FINISH', spec.onFinish]);
  if (spec.group !== undefined) f.push(['GROUP', spec.group]);
  if (spec.lock !== undefined) f.push(['LOCK', spec.lock]);
  f.push(['ENQUEUED', iso(now)], ...(spec.extra ?? []));
  return f;
}

/**
 * The file text of tasks that differ only in ID and CMD (a bulk enqueue), with the other fields
 * encoded once: `textFor(spec, now)(id, cmd)` is `encode(specFields({ ...spec, id, cmd }, now))`.
 */
export function textFor(spec: Omit<TaskSpec, 'id' | 'cmd'>, now: number): (id: string, cmd: string) => string {
  const rest = encode(specFields({ ...spec, id: '', cmd: '' }, now).slice(2)); // specFields starts with ID, CMD
  return (id, cmd) => encodeField('ID', id) + encodeField('CMD', cmd) + rest;
}

/** Parse fields into a task, or throw an Error whose message is the reason the file is invalid. */
export function parseTask(fields: Fields, nameId?: string): Task {
  const contradicted = firstContradictedKey(fields);
  if (contradicted) throw new Error(`contradictory ${contradicted} values`);
  const id = last(fields, 'ID') ?? nameId;
  if (id === undefined) throw new Error('no ID');
  const bad = idProblem(id);
  if (bad) throw new Error(bad);
  if (nameId !== undefined && id !== nameId) throw new Error(`ID ${id} does not match the file name's ${nameId}`);
  const cmd = last(fields, 'CMD');
  if (cmd === undefined || cmd.trim() === '') throw new Error('no CMD');
  const env = all(fields, 'ENV').map((e): [string, string] => {
    const eq = e.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.slice(0, eq))) throw new Error(`ENV ${JSON.stringify(e)} is not NAME=value`);
    return [e.slice(0, eq), e.slice(eq + 1)];
  });
  const after = deps(fields, 'AFTER', id);
  const afterAny = deps(fields, 'AFTER_ANY', id);
  const at = time(fields, 'AT') ?? 0;
  if (duration(fields, 'EVERY') === 0) throw new Error('EVERY must be longer than 0');
  const group = gateName(fields, 'GROUP');
  const lock = gateName(fields, 'LOCK');
  const pidStr = last(fields, 'WORKER_PID');
  return {
    id,
    cmd,
    cwd: last(fields, 'CWD'),
    env,
    priority: int(fields, 'PRIORITY', -PRIORITY_RANGE, PRIORITY_RANGE) ?? 0,
    after,
    afterAny: afterAny.length ? afterAny : undefined,
    unique: last(fields, 'UNIQUE'),
    onFinish: last(fields, 'ON_FINISH'),
    due: Math.max(at, time(fields, 'DUE') ?? 0),
    timeoutMs: duration(fields, 'TIMEOUT'),
    retries: int(fields, 'RETRIES', 0, 1000) ?? 0,
    backoffMs: duration(fields, 'BACKOFF') ?? DEFAULT_BACKOFF_MS,
    label: last(fields, 'LABEL'),
    everyMs: duration(fields, 'EVERY'),
    group,
    lock,
    enqueuedAt: time(fields, 'ENQUEUED'),
    attempt: int(fields, 'ATTEMPT', 1, 1_000_000) ?? 1,
    owner: pidStr === undefined || !runIsOpen(fields) ? undefined : owner(fields),
    status: last(fields, 'STATUS'),
    reason: last(fields, 'REASON'),
    exit: int(fields, 'EXIT', 0, 255),
    signal: last(fields, 'SIGNAL'),
    started: time(fields, 'STARTED'),
    finished: time(fields, 'FINISHED'),
    fields,
  };
}

/** The IDs a dependency key names, checked. */
function deps(fields: Fields, key: string, id: string): string[] {
  const ids = (last(fields, key) ?? '').split(',').filter(Boolean);
  for (const dep of ids) {
    if (idProblem(dep)) throw new Error(`${key} names an invalid ID ${JSON.stringify(dep)}`);
    if (dep === id) throw new Error(`${key} names the task itself`);
  }
  return ids;
}

/**
 * The first spec key, in SPEC_KEYS order, given two different values. One pass over the fields,
 * keeping each spec key's first value in a slot of a small array rather than a Map per file: this
 * runs for every file `tasks-list` reads, so what it allocates is paid once per task listed
 * (bench/README.md, history, has the profile).
 */
function firstContradictedKey(fields: Fields): string | undefined {
  const first: Array<string | undefined> = [];
  let slotOfFirst = SPEC_KEYS.length; // past the end: none contradicted
  for (const [key, value] of fields) {
    const slot = SPEC_SLOT.get(key);
    if (slot === undefined) continue;
    const seen = first[slot];
    if (seen === undefined) first[slot] = value;
    else if (seen !== value) slotOfFirst = Math.min(slotOfFirst, slot);
  }
  return SPEC_KEYS[slotOfFirst];
}

/** A run is open when its owner record (WORKER_PID) is not yet followed by a STATUS. */
function runIsOpen(fields: Fields): boolean {
  for (let i = fields.length - 1; i >= 0; i--) {
    if (fields[i][0] === 'STATUS') return false;
    if (fields[i][0] === 'WORKER_PID') return true;
  }
  return false;
}

function lastIndex(fields: Fields, key: string): number {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i][0] === key) return i;
  return -1;
}

function owner(fields: Fields): Owner {
  const pgid = last(fields, 'PGID');
  const opened = lastIndex(fields, 'WORKER_PID');
  const exit = lastIndex(fields, 'EXIT') > opened ? int(fields, 'EXIT', 0, 255) : undefined;
  const signal = lastIndex(fields, 'SIGNAL') > opened ? last(fields, 'SIGNAL') : undefined;
  return {
    worker: last(fields, 'WORKER') ?? '?',
    host: last(fields, 'HOST') ?? '',
    pid: Number(last(fields, 'WORKER_PID')),
    pidStart: last(fields, 'WORKER_START') ?? '',
    started: time(fields, 'STARTED') ?? 0,
    pgid: pgid === undefined ? undefined : Number(pgid),
    pgidStart: last(fields, 'PGID_START'),
    claim: lastIndex(fields, 'CLAIM') > opened ? last(fields, 'CLAIM') : undefined,
    result: exit !== undefined || signal !== undefined ? { exit, signal } : undefined,
  };
}

/** Group and lock names: they name files under groups/ and locks/, so they must be plain words. */
export const GATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why a group or lock name is not acceptable, or undefined when it is. */
export function gateNameProblem(what: 'group' | 'lock', name: string): string | undefined {
  if (!GATE_NAME.test(name) || name.includes('..')) return `invalid ${what} name ${JSON.stringify(name)}: use 1-64 of A-Z a-z 0-9 . _ - (not starting with . _ -, no "..")`;
  return undefined;
}

function gateName(fields: Fields, key: 'GROUP' | 'LOCK'): string | undefined {
  const v = last(fields, key);
  if (v === undefined) return undefined;
  const bad = gateNameProblem(key === 'GROUP' ? 'group' : 'lock', v);
  if (bad) throw new Error(`${key}: ${bad}`);
  return v;
}

function int(fields: Fields, key: string, min: number, max: number): number | undefined {
  const v = last(fields, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < min || n > max) throw new Error(`${key}=${v} is not a whole number from ${min} to ${max}`);
  return n;
}

function duration(fields: Fields, key: string): number | undefined {
  const v = last(fields, key);
  if (v === undefined) return undefined;
  try {
    return parseDuration(v);
  } catch {
    throw new Error(`${key}=${v} is not a duration`);
  }
}

function time(fields: Fields, key: string): number | undefined {
  const v = last(fields, key);
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`${key}=${v} is not a time`);
  return ms;
}
