/**
 * The rows of `tasks-list`: which files to list, and the row each file gives. Kept apart from
 * list.ts so that the listing's helper thread (list-worker.ts) loads only what reading needs.
 * Paths are joined by hand, not with path.join, once per file: a state directory's path is
 * absolute and normalised, and a name from readdir has no slash.
 */
import fs from 'node:fs';
import { last, type Fields } from '../persist/codec.js';
import { iso } from '../time.js';
import { listNames, readTaskText, STATE_DIRS, taskFromText, type Read, type TaskText, type Tree } from './tree.js';
import type { Dir } from './lifecycle.js';
import { agentOf } from './agent-lifecycle.js';

/** One row of `tasks-list`. */
export interface TaskRow {
  id: string;
  state: Dir;
  /** The run's status (done, failed, timeout, cancelled, …) or a queued task's wait (ready, delayed, blocked). */
  status: string;
  attempt: number;
  /** A recurring task's runs so far (RUNS); undefined for a one-off task. */
  runs?: number;
  /** The current run's result only (running: once its launcher recorded it); none while queued. */
  exit?: number;
  signal?: string;
  reason?: string;
  /** An agent's one-line report of its turn (`tmux-orc done ID NOTE`). */
  note?: string;
  /** The agent a turn is for (AGENT=, `tmux-orc assign`); undefined for a shell task. */
  agent?: string;
  worker?: string;
  label?: string;
  /** GROUP, when it has one. */
  group?: string;
  priority: number;
  enqueued?: string;
  due?: string;
  started?: string;
  finished?: string;
  /** Milliseconds since the task entered its current state's clock (enqueue, start or finish). */
  ageMs: number;
  cmd: string;
  file: string;
}

/** Some file names of one state directory, in dispatch order: a unit of listing work. */
export interface NameBatch {
  dir: Dir;
  names: string[];
}

/** The names to list, one batch per state directory, in listing order. */
export function namesToList(t: Tree, which: Dir | 'all'): NameBatch[] {
  return (which === 'all' ? STATE_DIRS : [which]).map((dir) => ({ dir, names: listNames(t, dir) }));
}

/** The rows of a batch, in its order; a file gone meanwhile (moved on by a worker) has none. */
export function rowsFor(t: Tree, { dir, names }: NameBatch, now: number): TaskRow[] {
  const dirPath = t.dir(dir);
  const rows: TaskRow[] = [];
  for (const name of names) {
    const file = `${dirPath}/${name}`;
    const text = readTaskText(file, dir === 'failed'); // where quarantined files are: say why
    if (text) rows.push(rowFor(dir, file, taskFromText(text, name), now));
  }
  return rows;
}

/** What readTaskText reads of each file of a batch, in its order (undefined: gone). */
export function readTexts(t: Tree, { dir, names }: NameBatch): Array<TaskText | undefined> {
  const dirPath = t.dir(dir);
  return names.map((name) => readTaskText(`${dirPath}/${name}`, dir === 'failed'));
}

/** The rows of a batch from what readTexts read of it: the same rows as rowsFor. */
export function rowsFromTexts(t: Tree, { dir, names }: NameBatch, texts: Array<TaskText | undefined>, now: number): TaskRow[] {
  const dirPath = t.dir(dir);
  const rows: TaskRow[] = [];
  for (let i = 0; i < names.length; i++) {
    const text = texts[i];
    if (text) rows.push(rowFor(dir, `${dirPath}/${names[i]}`, taskFromText(text, names[i]), now));
  }
  return rows;
}

/** The row of one task as read (`file` names where it is: a path, or a backend's address). */
export function rowFor(dir: Dir, file: string, r: Read, now: number): TaskRow {
  if (!r.ok) {
    let mtime = now;
    try {
      mtime = fs.lstatSync(file).mtimeMs;
    } catch {
      // gone meanwhile
    }
    return { id: r.id, state: dir, status: 'invalid', attempt: 0, reason: r.reason, priority: 0, ageMs: now - mtime, cmd: '', file };
  }
  const task = r.task;
  const queuedStatus = task.due > now ? 'delayed' : task.after.length || task.afterAny?.length ? 'waiting' : 'ready';
  const clock = dir === 'queue' || dir === 'held' ? task.enqueuedAt : dir === 'running' ? task.started : task.finished;
  const run = currentRun(task.fields, dir);
  return {
    id: task.id,
    state: dir,
    status: dir === 'queue' ? queuedStatus : dir === 'held' ? 'held' : dir === 'running' ? 'running' : task.status ?? dir,
    attempt: task.attempt,
    runs: task.everyMs === undefined ? undefined : Number(last(task.fields, 'RUNS') ?? 0),
    exit: run.exit,
    signal: run.signal,
    reason: dir === 'done' ? undefined : run.reason,
    note: run.note,
    agent: agentOf(task),
    worker: dir === 'running' ? task.owner?.worker : run.worker,
    label: task.label,
    group: task.group,
    priority: task.priority,
    enqueued: isoOf(task.enqueuedAt, task.fields, 'ENQUEUED'),
    due: task.due ? iso(task.due) : undefined,
    started: isoOf(task.started, task.fields, 'STARTED'),
    finished: dir === 'queue' || dir === 'held' || dir === 'running' ? undefined : isoOf(task.finished, task.fields, 'FINISHED'),
    ageMs: clock ? now - clock : 0,
    cmd: task.cmd,
    file,
  };
}

/** What one run recorded. */
interface RunRecord {
  exit?: number;
  signal?: string;
  reason?: string;
  note?: string;
  worker?: string;
}

/**
 * The records of the task's current run only, so that a retried task never shows the attempt
 * before: in running/, those after its WORKER_PID (the run's owner record); in done/ and
 * failed/, those after the close before the last one (a close is STATUS, then its REASON), so a
 * task cancelled in the queue after a failed attempt shows `cancelled`, not that attempt's exit;
 * in queue/, none (no run yet).
 */
function currentRun(fields: Fields, dir: Dir): RunRecord {
  if (dir === 'queue' || dir === 'held') return {};
  let from = 0;
  let closes = 0;
  for (let i = fields.length - 1; i >= 0; i--) {
    const key = fields[i][0];
    if (dir === 'running' ? key === 'WORKER_PID' : key === 'STATUS' && ++closes === 2) {
      from = dir !== 'running' && fields[i + 1]?.[0] === 'REASON' ? i + 2 : i + 1;
      break;
    }
  }
  const run: RunRecord = {};
  for (let i = from; i < fields.length; i++) {
    const [key, value] = fields[i];
    if (key === 'EXIT') run.exit = Number(value);
    else if (key === 'SIGNAL') run.signal = value;
    else if (key === 'REASON') run.reason = value;
    else if (key === 'WORKER') run.worker = value;
    else if (key === 'NOTE') run.note = value;
  }
  return run;
}

/** ISO text already in that form, as workers and enqueue write it. */
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A time field as ISO text: the file's own text when it is already that (formatting 100,000
 * dates was ~8% of a big listing), else formatted from the parsed time.
 */
function isoOf(ms: number | undefined, fields: Fields, key: string): string | undefined {
  if (!ms) return undefined;
  const text = last(fields, key);
  return text !== undefined && CANONICAL_ISO.test(text) ? text : iso(ms);
}
