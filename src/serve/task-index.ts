/**
 * The server's in-memory index of the tree: one row per task, so that no request re-reads
 * 100,000 files. It is loaded once with the listing `tasks-list` uses, then kept current the way
 * workers keep their view of queue/ (src/worker/wake.ts): one `fs.watch` (one inotify watch) per
 * state directory wakes it, and a periodic rescan of the names corrects whatever a watch missed
 * (DESIGN invariant 7: watching is only a hint). chokidar is not used here because it also
 * watches every file it sees: 100,000 watches for a big done/.
 *
 * A task file keeps its name when it moves between states, so a name that left one directory is
 * looked for in the others at once: a move is one change, never "gone" then "back".
 */
import fs from 'node:fs';
import { chunksOf } from '../queue/list-parallel.js';
import { namesToList, rowsFor, type TaskRow } from '../queue/list-rows.js';
import { dirNames, nameInfo, STATE_DIRS, type Tree } from '../queue/tree.js';
import type { Dir } from '../queue/lifecycle.js';

/** A listing row without its file path (the index knows the state and the name). */
export type Row = Omit<TaskRow, 'file'>;

/** A row as the index keeps it: the listing's row and the times its age and wait are computed from. */
export interface Entry {
  row: Row;
  name: string;
  /** Newest-first order: enqueue time (µs, from the name; 0 when the name has none), then ID. */
  t: number;
  /** The clock `ageMs` counts from, epoch ms (undefined: the row had none). */
  clockMs?: number;
  dueMs: number;
  /** Left the tree: skipped in `order`, dropped from it at the next compaction. */
  gone?: boolean;
}

/** One task's change, as the index saw it. `state` undefined: the task left the tree. */
export interface TaskChange {
  id: string;
  state?: Dir;
  status?: string;
  from?: { state: Dir; status: string };
  row?: Row;
}

export interface IndexOptions {
  /** Rescan at least this often (ms); longer when a scan is slow (50 times its cost). */
  rescanMs?: number;
  /** Changes are gathered this long before they are applied, so both halves of a move come together. */
  batchMs?: number;
  /** Watch the directories (false: rescans only, as `--poll` for workers). */
  watch?: boolean;
}

export class TaskIndex {
  private readonly byName: Record<Dir, Map<string, Entry>> = { queue: new Map(), running: new Map(), done: new Map(), failed: new Map() };
  private readonly byId = new Map<string, Entry>();
  /** Every entry once, oldest first (by `t`, then ID); entries that left are skipped, then compacted away. */
  private order: Entry[] = [];
  private goneInOrder = 0;
  private sorted = true;
  private dirty = new Set<string>();
  private timer?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private watchers: fs.FSWatcher[] = [];
  private scanMs = 0;
  private closed = false;
  private readonly listeners = new Set<(changes: TaskChange[]) => void>();
  private readonly o: Required<IndexOptions>;

  constructor(readonly t: Tree, opts: IndexOptions = {}) {
    this.o = { rescanMs: 5000, batchMs: 10, watch: true, ...opts };
  }

  /**
   * Load every row with the listing `tasks-list` uses, then start watching. A thousand files at a
   * time, each row compacted as it comes: the whole listing at once (what tasks-list holds) would
   * more than double the server's peak memory at 100,000 tasks, for good (V8 keeps the heap it grew).
   */
  async start(): Promise<void> {
    if (this.o.watch) for (const d of STATE_DIRS) this.watchDir(d);
    for (const chunk of chunksOf(namesToList(this.t, 'all'), 1000)) {
      const now = Date.now();
      for (const row of rowsFor(this.t, chunk, now)) this.put(row.state, baseName(row.file), row, now);
    }
    this.scheduleRescan();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers) w.close();
    clearTimeout(this.timer);
    clearTimeout(this.rescanTimer);
  }

  /** Told of each batch of changes, after it is applied. */
  onChange(fn: (changes: TaskChange[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  count(d: Dir): number {
    return this.byName[d].size;
  }

  get(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  /** The entries of one state, in no particular order. */
  entries(d: Dir): IterableIterator<Entry> {
    return this.byName[d].values();
  }

  /** Entries newest first, from just after the entry with this position (a cursor: `cursorOf`). */
  *newest(after?: { t: number; id: string }): Generator<Entry> {
    if (!this.sorted) this.resort();
    let i = this.order.length - 1;
    if (after) {
      let lo = 0;
      let hi = this.order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(this.order[mid], after) < 0) lo = mid + 1;
        else hi = mid;
      }
      i = lo - 1;
    }
    for (; i >= 0; i--) if (!this.order[i].gone) yield this.order[i];
  }

  /** One state's entries in dispatch order (file name order), from just after `afterName`. */
  *dispatch(d: Dir, afterName?: string): Generator<Entry> {
    const names = [...this.byName[d].keys()].sort();
    for (let i = afterName === undefined ? 0 : lowerBound(names, afterName + '\0'); i < names.length; i++) {
      const e = this.byName[d].get(names[i]);
      if (e) yield e;
    }
  }

  /** A fresh look at a row whose wait may have changed with time (a delayed task that is due). */
  refresh(e: Entry, now: number): Entry {
    if (e.row.state === 'queue' && e.row.status === 'delayed' && e.dueMs <= now) {
      const [row] = rowsFor(this.t, { dir: 'queue', names: [e.name] }, now);
      if (row) return this.put('queue', e.name, row, now);
    }
    return e;
  }

  /** Mark a file as possibly changed; applied in the next batch. */
  touch(d: Dir, name: string): void {
    if (this.closed) return;
    this.dirty.add(`${d}/${name}`);
    this.timer ??= setTimeout(() => this.applyBatch(), this.o.batchMs);
  }

  private watchDir(d: Dir): void {
    try {
      const w = fs.watch(this.t.dir(d), { persistent: false }, (_event, name) => {
        if (name) this.touch(d, String(name));
        else this.rescan(); // the kernel's queue overflowed: no name to go by
      });
      w.on('error', () => w.close()); // the rescans carry on alone
      this.watchers.push(w);
    } catch {
      // no watch to be had (inotify limits): the rescans carry on alone
    }
  }

  private scheduleRescan(): void {
    if (this.closed) return;
    this.rescanTimer = setTimeout(() => {
      this.rescan();
      this.scheduleRescan();
    }, Math.max(this.o.rescanMs, 50 * this.scanMs));
    this.rescanTimer.unref();
  }

  /** Compare each directory's names with the index; what differs is looked at again. Running files are always re-read (their records grow). */
  rescan(): void {
    const started = Date.now();
    for (const d of STATE_DIRS) {
      let names: string[];
      try {
        names = dirNames(this.t.dir(d));
      } catch {
        continue;
      }
      const known = this.byName[d];
      const seen = new Set(names);
      for (const n of names) if (d === 'running' || !known.has(n)) this.dirty.add(`${d}/${n}`);
      for (const n of known.keys()) if (!seen.has(n)) this.dirty.add(`${d}/${n}`);
    }
    this.scanMs = Date.now() - started;
    if (this.dirty.size) this.applyBatch();
  }

  private applyBatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const batch = [...this.dirty];
    this.dirty.clear();
    const before = new Map<string, { state: Dir; status: string } | undefined>();
    const note = (id: string) => {
      if (before.has(id)) return;
      const e = this.byId.get(id);
      before.set(id, e && { state: e.row.state, status: e.row.status });
    };
    for (const item of batch) {
      const slash = item.indexOf('/');
      const d = item.slice(0, slash) as Dir;
      const name = item.slice(slash + 1);
      const [row] = rowsFor(this.t, { dir: d, names: [name] }, now);
      if (row) {
        note(row.id);
        this.put(d, name, row, now);
        continue;
      }
      const old = this.byName[d].get(name);
      if (!old) continue;
      note(old.row.id);
      this.remove(d, name, old);
      // Moved on: the same name in another state directory (a claim, a settle, a retry).
      for (const other of STATE_DIRS) {
        if (other === d || this.byName[other].has(name)) continue;
        const [moved] = rowsFor(this.t, { dir: other, names: [name] }, now);
        if (moved) {
          this.put(other, name, moved, now);
          break;
        }
      }
    }
    const changes: TaskChange[] = [];
    for (const [id, was] of before) {
      const e = this.byId.get(id);
      if (!e && !was) continue;
      if (e && was && e.row.state === was.state && e.row.status === was.status) continue;
      changes.push({ id, state: e?.row.state, status: e?.row.status, from: was, row: e?.row });
    }
    if (changes.length) for (const l of this.listeners) l(changes);
  }

  private put(d: Dir, name: string, full: TaskRow, now: number): Entry {
    const row = compact(full);
    const fields = { row, name, t: enqueuedUs(name), clockMs: hasClock(row) ? now - row.ageMs : undefined, dueMs: row.due ? Date.parse(row.due) : 0 };
    const old = this.byName[d].get(name);
    if (old && old.row.id !== row.id) this.remove(d, name, old);
    let e = this.byId.get(row.id);
    if (e) {
      // The same task, changed or moved: the entry is updated in place, keeping its place in `order`.
      if (e.row.state !== d || e.name !== name) this.byName[e.row.state].delete(e.name);
      if (e.t !== fields.t) this.sorted = false;
      Object.assign(e, fields);
    } else {
      e = fields;
      this.byId.set(row.id, e);
      const last = this.order[this.order.length - 1];
      if (last && compare(last, e) > 0) this.sorted = false;
      this.order.push(e);
    }
    this.byName[d].set(name, e);
    return e;
  }

  private remove(d: Dir, name: string, e: Entry): void {
    if (this.byName[d].get(name) === e) this.byName[d].delete(name);
    if (this.byId.get(e.row.id) !== e) return;
    this.byId.delete(e.row.id);
    e.gone = true;
    if (++this.goneInOrder > 1024 && this.goneInOrder > this.order.length / 2) this.resort();
  }

  private resort(): void {
    this.order = this.order.filter((e) => !e.gone).sort(compare);
    this.goneInOrder = 0;
    this.sorted = true;
  }
}

/** Order of `order`: enqueue time, then ID. */
function compare(a: { t: number; row?: Row; id?: string }, b: { t: number; row?: Row; id?: string }): number {
  if (a.t !== b.t) return a.t - b.t;
  const [x, y] = [a.row?.id ?? a.id ?? '', b.row?.id ?? b.id ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The cursor of an entry in newest-first order, and back. */
export const cursorOf = (e: Entry): string => `${e.t}-${e.row.id}`;
export function parseCursor(c: string): { t: number; id: string } | undefined {
  const m = /^(\d{1,16})-(.+)$/.exec(c);
  return m ? { t: Number(m[1]), id: m[2] } : undefined;
}

const baseName = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/**
 * The row as the index keeps it: without the file path, without absent fields, and with strings
 * of their own. The parsed values are slices of each file's whole text, which they would keep
 * alive: at 100,000 tasks that was half of the index's memory.
 */
function compact({ file: _file, ...row }: TaskRow): Row {
  return JSON.parse(JSON.stringify(row)) as Row;
}

/** The enqueue time (µs) in the file name: our names and the seed's carry it; others sort as oldest. */
function enqueuedUs(name: string): number {
  const m = /^\d{4}-(\d{16})-/.exec(nameInfo(name).key);
  return m ? Number(m[1]) : 0;
}

function hasClock(r: Row): boolean {
  if (r.status === 'invalid') return true;
  return Boolean(r.state === 'queue' ? r.enqueued : r.state === 'running' ? r.started : r.finished);
}

/** The first index whose value is >= x. */
function lowerBound(a: string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
