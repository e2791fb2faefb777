/**
 * What the server's task index (task-index.ts) keeps of each task, and the small pure pieces it is
 * built from: the entry made of a listing row, its file name, its place in newest-first order.
 */
import type { TaskRow } from '../queue/list-rows.js';
import { nameInfo, taskName } from '../queue/tree.js';
import type { Dir } from '../queue/lifecycle.js';
import { PRIORITY_RANGE } from '../queue/task.js';

/** A listing row without its file path (the tree's layout is not the API's). */
export type Row = Omit<TaskRow, 'file'>;

/** What the index keeps of a task. */
export interface Entry {
  id: string;
  state: Dir;
  /** As the listing says it (done, failed, cancelled, …, ready, delayed, waiting, invalid). */
  status: string;
  label?: string;
  /** The agent a turn is for (AGENT=); undefined for a shell task. */
  agent?: string;
  cmd: string;
  priority: number;
  attempt: number;
  /** Enqueue time in µs from the file name (0 when the name has none): newest-first order. */
  t: number;
  /** The file's name when it is not the one `taskName(id, priority, t)` gives (the seed's, hand-made). */
  odd?: string;
  /** The clock `ageMs` counts from, epoch ms (undefined: the row had none). */
  clockMs?: number;
  dueMs: number;
  /** Left the tree: skipped in the newest-first order until it is compacted. */
  gone: boolean;
  /** The last rescan that found its file. */
  seen: number;
}

/** The file name of an entry. */
export const nameOf = (e: Entry): string => e.odd ?? taskName(e.id, e.priority, e.t);

/** The entry of a row read from the file `name` in `d`, at rescan `generation`. */
export function toEntry(d: Dir, name: string, row: TaskRow, now: number, generation: number): Entry {
  const t = enqueuedUs(name);
  return {
    id: own(row.id),
    label: row.label === undefined ? undefined : own(row.label),
    agent: row.agent === undefined ? undefined : intern(row.agent),
    cmd: own(row.cmd),
    state: d,
    status: intern(row.status),
    priority: row.priority,
    attempt: row.attempt,
    t,
    odd: taskName(row.id, row.priority, t) === name ? undefined : name,
    clockMs: hasClock(row) ? now - row.ageMs : undefined,
    dueMs: row.due ? Date.parse(row.due) : 0,
    // Every field from the start: one object shape for all entries, no property added later.
    gone: false,
    seen: generation,
  };
}

/** Order of `order`: enqueue time, then ID. */
export function compare(a: { t: number; id: string }, b: { t: number; id: string }): number {
  if (a.t !== b.t) return a.t - b.t;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether `name` is the entry's own file name (priority and time as the name writes them), without building it. */
export function isNameOf(e: Entry, name: string): boolean {
  if (name.length !== 27 + e.id.length) return false; // PPPP-TTTTTTTTTTTTTTTT-<id>.task
  let p = 0;
  for (let i = 0; i < 4; i++) p = p * 10 + name.charCodeAt(i) - 48;
  let t = 0;
  for (let i = 5; i < 21; i++) t = t * 10 + name.charCodeAt(i) - 48;
  return p === 2 * PRIORITY_RANGE - e.priority && t === e.t;
}

/** The cursor of an entry in newest-first order, and back. */
export const cursorOf = (e: Entry): string => `${e.t}-${e.id}`;
export function parseCursor(c: string): { t: number; id: string } | undefined {
  const m = /^(\d{1,16})-(.+)$/.exec(c);
  return m ? { t: Number(m[1]), id: m[2] } : undefined;
}

export const baseName = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/**
 * A string of its own. The parsed values are slices of each file's whole text (V8 makes a
 * substring of 13 characters or more a view of its parent), which they would keep alive: most
 * of the index's memory at 100,000 tasks. Decoding bytes always makes a new string.
 */
const own = (s: string): string => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));

/** Statuses (and agent names) are a handful of words: one string each, not one per task. */
const statuses = new Map<string, string>();
function intern(s: string): string {
  let v = statuses.get(s);
  if (v === undefined) statuses.set(s, (v = own(s)));
  return v;
}

/** The enqueue time (µs) in the file name: our names and the seed's carry it; others sort as oldest. */
function enqueuedUs(name: string): number {
  const m = /^\d{4}-(\d{16})-/.exec(nameInfo(name).key);
  return m ? Number(m[1]) : 0;
}

function hasClock(r: TaskRow): boolean {
  if (r.status === 'invalid') return true;
  return Boolean(r.state === 'queue' || r.state === 'held' ? r.enqueued : r.state === 'running' ? r.started : r.finished);
}
