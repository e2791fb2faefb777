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
import { listTasksParallel } from '../queue/list-parallel.js';
import { rowsFor, type TaskRow } from '../queue/list-rows.js';
import { dirNames, nameInfo, STATE_DIRS, type Tree } from '../queue/tree.js';
import type { Dir } from '../queue/lifecycle.js';

/** A row as the index keeps it: the listing's row and the times its age and wait are computed from. */
export interface Entry {
  row: TaskRow;
  name: string;
  /** Newest-first order: enqueue time (µs, from the name) then ID. */
  key: string;
  /** The clock `ageMs` counts from, epoch ms (undefined: the row had none). */
  clockMs?: number;
  dueMs: number;
}

/** One task's change, as the index saw it. `state` undefined: the task left the tree. */
export interface TaskChange {
  id: string;
  state?: Dir;
  status?: string;
  from?: { state: Dir; status: string };
  row?: TaskRow;
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
  /** Keys in ascending order (newest last); may hold stale keys, skipped on read. */
  private keys: string[] = [];
  /** The keys in `keys`, so a task that moves is not pushed twice. */
  private inKeys = new Set<string>();
  private keyed = new Map<string, Entry>();
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

  /** Load every row (the listing `tasks-list` uses), then start watching. */
  async start(): Promise<void> {
    if (this.o.watch) for (const d of STATE_DIRS) this.watchDir(d);
    const now = Date.now();
    for (const row of await listTasksParallel(this.t, 'all', now)) this.put(row.state, baseName(row.file), row, now);
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

  /** Entries newest first, from just after `afterKey` (a cursor). */
  *newest(afterKey?: string): Generator<Entry> {
    if (!this.sorted) this.resort();
    let i = afterKey === undefined ? this.keys.length - 1 : lowerBound(this.keys, afterKey) - 1;
    for (; i >= 0; i--) {
      const e = this.keyed.get(this.keys[i]);
      if (e) yield e;
    }
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

  private put(d: Dir, name: string, row: TaskRow, now: number): Entry {
    const prev = this.byId.get(row.id);
    if (prev && (prev.row.state !== d || prev.name !== name)) this.remove(prev.row.state, prev.name, prev);
    const old = this.byName[d].get(name);
    if (old && old.row.id !== row.id) this.remove(d, name, old);
    const e: Entry = {
      row,
      name,
      key: newestKey(name, row.id),
      clockMs: hasClock(row) ? now - row.ageMs : undefined,
      dueMs: row.due ? Date.parse(row.due) : 0,
    };
    this.byName[d].set(name, e);
    this.byId.set(row.id, e);
    if (!this.inKeys.has(e.key)) {
      this.inKeys.add(e.key);
      if (this.keys.length && this.keys[this.keys.length - 1] > e.key) this.sorted = false;
      this.keys.push(e.key);
    }
    this.keyed.set(e.key, e);
    return e;
  }

  private remove(d: Dir, name: string, e: Entry): void {
    if (this.byName[d].get(name) === e) this.byName[d].delete(name);
    if (this.byId.get(e.row.id) === e) this.byId.delete(e.row.id);
    if (this.keyed.get(e.key) === e) this.keyed.delete(e.key);
    // Stale keys are skipped on read; dropped when they are most of the array.
    if (this.keys.length > 1024 && this.keys.length > 2 * this.keyed.size) this.resort();
  }

  private resort(): void {
    this.keys = [...this.keyed.keys()].sort();
    this.inKeys = new Set(this.keys);
    this.sorted = true;
  }
}

const baseName = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/** Enqueue time then ID: our names and the seed's carry the time; others sort as oldest. */
function newestKey(name: string, id: string): string {
  const k = nameInfo(name).key;
  const t = /^\d{4}-(\d{16})-/.exec(k)?.[1] ?? '0'.repeat(16);
  return `${t}-${id}`;
}

function hasClock(r: TaskRow): boolean {
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
