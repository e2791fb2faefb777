/**
 * The server's in-memory index of the tree: one small entry per task, so that no request re-reads
 * 100,000 files. It is loaded with the listing `tasks-list` uses, then kept current the way
 * workers keep their view of queue/ (src/worker/wake.ts): one `fs.watch` (one inotify watch) per
 * state directory wakes it, and a periodic rescan of the names corrects whatever a watch missed
 * (DESIGN invariant 7: watching is only a hint). chokidar is not used here because it also
 * watches every file it sees: 100,000 watches for a big done/.
 *
 * An entry (task-entry.ts) keeps what filtering, ordering, counting and metrics need; a page of the listing reads
 * its own few files again for the rest (view.ts). A task file keeps its name when it moves between
 * states, so a name that left one directory is looked for in the others at once: a move is one
 * change, never "gone" then "back".
 */
import fs from 'node:fs';
import { chunksOf } from '../queue/list-parallel.js';
import { namesToList, rowsFor, type TaskRow } from '../queue/list-rows.js';
import { nameInfo, STATE_DIRS, type Tree } from '../queue/tree.js';
import type { Dir } from '../queue/lifecycle.js';
import { describe } from '../errors.js';
import { baseName, compare, isNameOf, nameOf, toEntry, type Entry, type Row } from './task-entry.js';

/** One task's change, as the index saw it. `state` undefined: the task left the tree. */
export interface TaskChange {
  id: string;
  state?: Dir;
  status?: string;
  from?: { state: Dir; status: string };
  /** The row as just read (absent when the task left). */
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

/** An agent's work queue as the index has it: the turn it holds, and how many wait in queue/. */
export interface AgentQueue {
  current?: Entry;
  waiting: number;
}

export class TaskIndex {
  private readonly byId = new Map<string, Entry>();
  /** Entries whose file name does not give their ID, by `<dir>/<name>`. */
  private readonly oddNames = new Map<string, Entry>();
  private readonly counts: Record<Dir, number> = { queue: 0, held: 0, running: 0, done: 0, failed: 0 };
  /** The queued entries: each scrape walks them (the oldest runnable task), and they are usually few. */
  private readonly queued = new Set<Entry>();
  /** Agent turns in queue/ or running/: each scrape counts them per agent, without a walk over every task. */
  private readonly turns = new Set<Entry>();
  /** Every entry once, oldest first (by `t`, then ID); entries that left are skipped, then compacted away. */
  private order: Entry[] = [];
  private goneInOrder = 0;
  private sorted = true;
  private dirty = new Set<string>();
  private timer?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private watchers: fs.FSWatcher[] = [];
  private scanMs = 0;
  private generation = 0;
  /** When the next delayed task falls due, and the timer that looks at it then. */
  private nextDue = Infinity;
  private dueTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly listeners = new Set<(changes: TaskChange[]) => void>();
  private readonly o: Required<IndexOptions>;

  constructor(readonly t: Tree, opts: IndexOptions = {}) {
    this.o = { rescanMs: 5000, batchMs: 5, watch: true, ...opts };
  }

  /**
   * Load every row with the listing `tasks-list` uses, then start watching. A thousand files at a
   * time, each row reduced to its entry as it comes: the whole listing at once (what tasks-list
   * holds) would more than double the server's peak memory at 100,000 tasks, for good (V8 keeps
   * the heap it grew).
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
    clearTimeout(this.dueTimer);
  }

  /** Told of each batch of changes, after it is applied. */
  onChange(fn: (changes: TaskChange[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  count(d: Dir): number {
    return this.counts[d];
  }

  get(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  /** The entries of one state, in no particular order. (Finished ones by a loop over all: a set of 100,000 costs more memory than the loop costs time.) */
  entries(d: Dir): Iterable<Entry> {
    if (d === 'queue') return this.queued;
    const out: Entry[] = [];
    for (const e of this.byId.values()) if (e.state === d) out.push(e);
    return out;
  }

  /** Each agent's queue, for the agents that have turns in queue/ or running/. */
  agentQueues(): Map<string, AgentQueue> {
    const out = new Map<string, AgentQueue>();
    for (const e of this.turns) {
      let q = out.get(e.agent!);
      if (!q) out.set(e.agent!, (q = { waiting: 0 }));
      if (e.state === 'queue') q.waiting++;
      else q.current ??= e;
    }
    return out;
  }

  /** Entries newest first, from just after the entry at this position (a cursor: `cursorOf`). */
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

  /** One state's entries in dispatch order (file name order), from just after the file `afterName`. */
  *dispatch(d: Dir, afterName?: string): Generator<Entry> {
    const named = [...this.entries(d)].map((e) => ({ e, name: nameOf(e) }));
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { e, name } of named) if (afterName === undefined || name > afterName) yield e;
  }

  /** The entry with a fresh look where its wait may have changed with time (a delayed task that is due). */
  refresh(e: Entry, now: number): Entry {
    if (e.state === 'queue' && e.status === 'delayed' && e.dueMs <= now) {
      const [row] = rowsFor(this.t, { dir: 'queue', names: [nameOf(e)] }, now);
      if (row) return this.put('queue', nameOf(e), row, now);
    }
    return e;
  }

  /** Mark a file as possibly changed; applied in the next batch. */
  touch(d: Dir, name: string): void {
    if (this.closed) return;
    this.dirty.add(`${d}/${name}`);
    this.timer ??= setTimeout(() => guard(() => this.applyBatch()), this.o.batchMs);
  }

  private watchDir(d: Dir): void {
    try {
      const w = fs.watch(this.t.dir(d), { persistent: false }, (_event, name) => {
        if (name) this.touch(d, String(name));
        else guard(() => this.rescan()); // the kernel's queue overflowed: no name to go by
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
      guard(() => this.rescan());
      this.scheduleRescan();
    }, Math.max(this.o.rescanMs, 50 * this.scanMs));
    this.rescanTimer.unref();
  }

  /**
   * Compare each directory's names with the index; what differs is looked at again. Running files
   * are always re-read (their records grow). The names are read a few hundred at a time and marked
   * on their entries, so a rescan of 100,000 files holds no list or set of them.
   */
  rescan(): void {
    const started = Date.now();
    const gen = ++this.generation;
    for (const d of STATE_DIRS) {
      let dir: fs.Dir;
      try {
        dir = fs.opendirSync(this.t.dir(d), { bufferSize: 256 });
      } catch {
        continue;
      }
      try {
        for (let f = dir.readSync(); f !== null; f = dir.readSync()) {
          const e = this.at(d, f.name);
          if (e) e.seen = gen;
          if (!e || d === 'running') this.dirty.add(`${d}/${f.name}`);
        }
      } catch {
        // the directory went away meanwhile: what it held is looked at below
      } finally {
        dir.closeSync();
      }
    }
    for (const e of this.byId.values()) if (e.seen !== gen) this.dirty.add(`${e.state}/${nameOf(e)}`); // left without an event
    this.scanMs = Date.now() - started;
    if (this.dirty.size) this.applyBatch();
  }

  /** The entry held for the file `name` in `d`, if any. (Called for every name a rescan reads: it builds no strings for our own names.) */
  private at(d: Dir, name: string): Entry | undefined {
    if (this.oddNames.size) {
      const odd = this.oddNames.get(`${d}/${name}`);
      if (odd) return odd.state === d ? odd : undefined;
    }
    const e = this.byId.get(nameInfo(name).id ?? name);
    if (!e || e.state !== d) return undefined;
    return e.odd === undefined ? (isNameOf(e, name) ? e : undefined) : e.odd === name ? e : undefined;
  }

  private applyBatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const batch = [...this.dirty];
    this.dirty.clear();
    const before = new Map<string, { state: Dir; status: string } | undefined>();
    const rows = new Map<string, Row>();
    const note = (id: string) => {
      if (before.has(id)) return;
      const e = this.byId.get(id);
      before.set(id, e && { state: e.state, status: e.status });
    };
    const read = (d: Dir, name: string): boolean => {
      const [row] = rowsFor(this.t, { dir: d, names: [name] }, now);
      if (!row) return false;
      note(row.id);
      this.put(d, name, row, now);
      const { file: _file, ...rest } = row;
      rows.set(row.id, rest);
      return true;
    };
    for (const item of batch) {
      const slash = item.indexOf('/');
      const d = item.slice(0, slash) as Dir;
      const name = item.slice(slash + 1);
      if (read(d, name)) continue;
      const old = this.at(d, name);
      if (!old) continue;
      note(old.id);
      this.remove(old);
      // Moved on: the same name in another state directory (a claim, a settle, a retry).
      for (const other of STATE_DIRS) if (other !== d && read(other, name)) break;
    }
    const changes: TaskChange[] = [];
    for (const [id, was] of before) {
      const e = this.byId.get(id);
      if (!e && !was) continue;
      if (e && was && e.state === was.state && e.status === was.status) continue;
      changes.push({ id, state: e?.state, status: e?.status, from: was, row: e && rows.get(id) });
    }
    if (changes.length) for (const l of this.listeners) l(changes);
  }

  private put(d: Dir, name: string, row: TaskRow, now: number): Entry {
    const fields = toEntry(d, name, row, now, this.generation);
    const t = fields.t;
    const there = this.at(d, name);
    if (there && there.id !== row.id) this.remove(there);
    let e = this.byId.get(row.id);
    if (e) {
      // The same task, changed or moved: updated in place, keeping its place in `order`.
      this.counts[e.state]--;
      this.queued.delete(e);
      this.turns.delete(e);
      if (e.odd) this.oddNames.delete(`${e.state}/${e.odd}`);
      if (e.t !== t) this.sorted = false;
      Object.assign(e, fields);
    } else {
      e = fields;
      this.byId.set(e.id, e);
      const last = this.order[this.order.length - 1];
      if (last && compare(last, e) > 0) this.sorted = false;
      this.order.push(e);
    }
    this.counts[d]++;
    if (d === 'queue') this.queued.add(e);
    if (e.agent !== undefined && (d === 'queue' || d === 'running')) this.turns.add(e);
    if (e.odd) this.oddNames.set(`${d}/${e.odd}`, e);
    if (e.status === 'delayed' && e.dueMs < this.nextDue) this.wakeAt(e.dueMs);
    return e;
  }

  /**
   * A delayed task becomes ready with no change to its file: at its due time the delayed entries
   * that are due are read again, so their change is reported like any other.
   */
  private wakeAt(due: number): void {
    if (this.closed) return;
    clearTimeout(this.dueTimer);
    this.nextDue = due;
    this.dueTimer = setTimeout(() => guard(() => {
      const now = Date.now();
      this.nextDue = Infinity;
      let next = Infinity;
      for (const e of this.byId.values()) {
        if (e.status !== 'delayed') continue;
        if (e.dueMs <= now) this.touch(e.state, nameOf(e));
        else next = Math.min(next, e.dueMs);
      }
      if (next < Infinity) this.wakeAt(next);
    }), Math.min(Math.max(0, due - Date.now()) + 5, 2 ** 31 - 1));
    this.dueTimer.unref();
  }

  private remove(e: Entry): void {
    if (this.byId.get(e.id) !== e) return;
    this.byId.delete(e.id);
    this.counts[e.state]--;
    this.queued.delete(e);
    this.turns.delete(e);
    if (e.odd) this.oddNames.delete(`${e.state}/${e.odd}`);
    e.gone = true;
    if (++this.goneInOrder > 1024 && this.goneInOrder > this.order.length / 2) this.resort();
  }

  private resort(): void {
    this.order = this.order.filter((e) => !e.gone).sort(compare);
    this.goneInOrder = 0;
    this.sorted = true;
  }
}

/**
 * Run one step of the index's own loop (a batch, a rescan): a failure is said in one line and the
 * next step tries again, never an exception that ends the server (the rescans correct what it missed).
 */
function guard(step: () => void): void {
  try {
    step();
  } catch (err) {
    process.stderr.write(`tmux-orc serve: the task index: ${describe(err)} (the next rescan tries again)\n`);
  }
}

