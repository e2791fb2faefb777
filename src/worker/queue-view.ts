/**
 * A worker's view of queue/: the names in dispatch order, kept in memory between scans so a
 * claim never rescans the directory (a drain stays linear in the number of queued tasks), plus a
 * cache of what each queued file says about when it may run. The directory is the truth; the
 * view is a hint that is corrected by rescans and by ENOENT on claim.
 */
import fs from 'node:fs';
import { readiness, type DepState, type Move } from '../queue/lifecycle.js';
import type { Task } from '../queue/task.js';
import { agentOf } from '../queue/agent-lifecycle.js';
import { dirNames, listNames, nameInfo, readTask, type Tree } from '../queue/tree.js';
import { PAUSE_POLL_MS, pausedFor, type Paused } from '../queue/pause.js';

/** What the worker should do next. */
export type Choice =
  | { kind: 'run'; name: string; gates?: string[] }
  | { kind: 'invalid'; name: string; reason: string }
  | { kind: 'doomed'; name: string; task: Task; move: Move }
  | { kind: 'idle'; nextDue?: number; empty: boolean };

interface Meta {
  due: number;
  after: string[];
  afterAny?: string[];
  label?: string;
  group?: string;
  /** An agent's task (AGENT=): its dispatcher delivers it; a shell worker never claims it. */
  agent?: boolean;
  invalid?: string;
  /** Its group and named lock as gate keys (issue 18): `group:G`, `lock:L`. */
  gates?: string[];
}

/** The gate keys of a task's group and named lock (issue 18); undefined when it has neither. */
export function gatesOf(x: { group?: string; lock?: string }): string[] | undefined {
  if (x.group === undefined && x.lock === undefined) return undefined;
  return [x.group === undefined ? '' : `group:${x.group}`, x.lock === undefined ? '' : `lock:${x.lock}`].filter(Boolean);
}

/**
 * How long a worker passes over the tasks of a full group or a held lock before it tries again:
 * 0.1 s, doubling while the gate stays shut, up to 1 s, or 20 times as long as its last walk of the
 * queue took if that is longer. (Another worker's release makes no event here; the back-off keeps
 * a worker facing a long queue of such tasks from walking it ten times a second.)
 */
export const GATE_RETRY_MS = [100, 1000] as const;

export class QueueView {
  private names: string[] = [];
  private start = 0;
  private gone = new Set<string>();
  private meta = new Map<string, Meta>();
  private deps: DepIndex;
  /** Groups and named locks (issue 18) found taken, `group:G` / `lock:L` → until when they are passed over, and how often in a row. */
  private blocked = new Map<string, { until: number; strikes: number }>();
  /** How long the last walk of the names that found nothing to run took (ms). */
  private walkMs = 0;
  /** When the directory was last read (ms; never: NaN), and how long that took. */
  scannedAt = NaN;
  scanMs = 0;
  /** What is paused (pause.ts), set by the worker before it asks for the next task. */
  paused?: Paused;

  constructor(private t: Tree, private label?: string) {
    this.deps = new DepIndex(t);
  }

  /** Read the directory again. */
  rescan(): void {
    this.scannedAt = Date.now();
    this.names = listNames(this.t, 'queue');
    this.scanMs = Date.now() - this.scannedAt;
    this.start = 0;
    this.gone.clear();
    this.deps.reset();
    // Forget facts about files that left. A lookup in the sorted names, not a Set of all of them:
    // such a Set is as large as the queue, lives long enough to be promoted to the old space, and
    // stays there until the next full GC.
    for (const k of this.meta.keys()) if (this.names[this.position(k)] !== k) this.meta.delete(k);
  }

  /**
   * Whether the view is due to be read again: after `everyMs`, or 50 times as long as the last
   * read took if that is longer, so a worker never spends more than 2% of its time on it however
   * long the queue grows.
   */
  stale(now: number, everyMs: number): boolean {
    return !(now - this.scannedAt < Math.max(everyMs, 50 * this.scanMs));
  }

  /** A file arrived (watch event, or our own requeue): insert it in order, forget old facts. */
  add(name: string): void {
    this.meta.delete(name);
    if (this.gone.delete(name)) return; // still in the array
    const i = this.position(name);
    if (i === this.names.length) this.names.push(name);
    else if (this.names[i] !== name) this.names.splice(i, 0, name);
  }

  /** Whether `name` is in the view (queued, as far as it knows). */
  has(name: string): boolean {
    return !this.gone.has(name) && this.names[this.position(name)] === name;
  }

  /** What was read from the file is stale (it changed, or left): read it again when it comes up. */
  forget(name: string): void {
    this.meta.delete(name);
  }

  /** Where `name` is, or would be inserted, in the live part of the names (binary search by key). */
  private position(name: string): number {
    const key = nameInfo(name).key;
    const lastName = this.names[this.names.length - 1];
    if (lastName === undefined || nameInfo(lastName).key < key) return this.names.length; // the common case: a new task
    let lo = this.start;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nameInfo(this.names[mid]).key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The file left the queue (claimed by us or someone else). */
  drop(name: string): void {
    this.gone.add(name);
    this.meta.delete(name);
    while (this.start < this.names.length && this.gone.has(this.names[this.start])) this.gone.delete(this.names[this.start++]);
    if (this.gone.size > 1024 && this.gone.size > this.names.length / 2) {
      this.names = this.names.slice(this.start).filter((n) => !this.gone.has(n));
      this.start = 0;
      this.gone.clear();
    }
  }

  /**
   * A claim found this group full or this lock held: pass over its tasks for a while (GATE_RETRY_MS),
   * taking others meanwhile.
   */
  block(gate: string, now: number): void {
    const strikes = (this.blocked.get(gate)?.strikes ?? -1) + 1;
    const ms = Math.max(Math.min(GATE_RETRY_MS[0] * 2 ** strikes, GATE_RETRY_MS[1]), 20 * this.walkMs);
    this.blocked.set(gate, { until: now + ms, strikes });
  }

  /** A claim got the gate, or this worker gave it back: its tasks may be taken at once. */
  unblock(gate: string): void {
    this.blocked.delete(gate);
  }

  /** Until when a gate of `gates` is passed over, if one is now. (Expired blocks keep their strikes until a claim gets the gate.) */
  private blockedUntil(gates: string[], now: number): number | undefined {
    let until: number | undefined;
    for (const g of gates) {
      const b = this.blocked.get(g);
      if (b && b.until > now) until = Math.max(until ?? 0, b.until);
    }
    return until;
  }

  /** A task finished here: a task waiting on it may run now, without reading done/ again. */
  finished(id: string, dir: 'done' | 'failed'): void {
    this.deps.finished(id, dir);
  }

  /** The first queued task in dispatch order that this worker may act on now. */
  next(now: number): Choice {
    // The whole queue paused: nothing is picked, whatever is queued.
    if (this.paused?.all !== undefined) return { kind: 'idle', nextDue: now + PAUSE_POLL_MS, empty: this.start >= this.names.length };
    const began = Date.now();
    const c = this.walk(now);
    if (c.kind === 'idle') this.walkMs = Date.now() - began;
    return c;
  }

  private walk(now: number): Choice {
    let nextDue: number | undefined;
    let candidates = 0;
    for (let i = this.start; i < this.names.length; i++) {
      const name = this.names[i];
      if (this.gone.has(name)) continue;
      const known = this.meta.has(name);
      const m = this.lookup(name);
      if (!m) {
        this.drop(name);
        continue;
      }
      if (m.invalid) return { kind: 'invalid', name, reason: m.invalid };
      if (m.agent || (this.label !== undefined && m.label !== this.label)) continue;
      candidates++;
      if (pausedFor(this.paused, m.group)) {
        nextDue = Math.min(nextDue ?? Infinity, now + PAUSE_POLL_MS);
        continue;
      }
      // A task of a full group or a held lock that would otherwise run now (issue 18): passed over
      // before anything else is worked out, as a long queue of them is walked at every look.
      if (m.gates && this.blocked.size && m.after.length === 0 && !m.afterAny?.length && m.due <= now) {
        const until = this.blockedUntil(m.gates, now);
        if (until !== undefined) {
          nextDue = nextDue === undefined ? until : Math.min(nextDue, until);
          continue;
        }
      }
      const r = readiness({ due: m.due, after: m.after, afterAny: m.afterAny } as Task, now, (id) => this.deps.state(id, this.names));
      if (r.kind === 'ready') {
        // (One that had to wait for its time or its dependencies first: the same.)
        const until = m.gates && this.blocked.size ? this.blockedUntil(m.gates, now) : undefined;
        if (until !== undefined) {
          nextDue = nextDue === undefined ? until : Math.min(nextDue, until);
          continue;
        }
        // What the view knew of the file may be from before another worker claimed it (a drain
        // of tasks that waited for their start time: every worker read them all while waiting).
        // A claim that fails throws and takes the kernel's rename locks; a look that finds nothing
        // does neither, and with several workers most such names are already gone.
        if (known && !this.there(name)) {
          this.drop(name);
          continue;
        }
        return { kind: 'run', name, gates: m.gates };
      }
      if (r.kind === 'later') nextDue = nextDue === undefined ? r.due : Math.min(nextDue, r.due);
      if (r.kind === 'doomed') {
        const read = readTask(`${this.t.dir('queue')}/${name}`);
        if (read?.ok) return { kind: 'doomed', name, task: read.task, move: r.move };
      }
    }
    return { kind: 'idle', nextDue, empty: candidates === 0 };
  }

  /** Whether the file is still in queue/. (lstat: a dangling symlink is there, and found invalid by the read.) */
  private there(name: string): boolean {
    return fs.lstatSync(`${this.t.dir('queue')}/${name}`, { throwIfNoEntry: false }) !== undefined;
  }

  private lookup(name: string): Meta | undefined {
    const cached = this.meta.get(name);
    if (cached) return cached;
    // Most names a busy worker finds gone were claimed by another worker a moment ago: an lstat
    // that fails without throwing is far cheaper than a failed open (which throws), and a drain
    // meets several per task.
    if (!this.there(name)) return undefined;
    const r = readTask(`${this.t.dir('queue')}/${name}`, name, true);
    if (!r) return undefined;
    const m: Meta = r.ok ? { due: r.task.due, after: r.task.after, afterAny: r.task.afterAny, label: r.task.label, group: r.task.group, gates: gatesOf(r.task), agent: agentOf(r.task) !== undefined } : { due: 0, after: [], invalid: r.reason };
    this.meta.set(name, m);
    return m;
  }
}

/**
 * Where the dependencies of queued tasks are, read from done/, failed/, queue/, held/ and running/ at
 * most once between rescans, so a claim never rescans those directories. What this worker
 * finishes is added as it happens; what other workers finish is seen at the next rescan.
 */
class DepIndex {
  private done?: Map<string, 'done' | 'failed'>;
  private pending?: Set<string>;

  constructor(private t: Tree) {}

  reset(): void {
    this.done = undefined;
    this.pending = undefined;
  }

  finished(id: string, dir: 'done' | 'failed'): void {
    this.done?.set(id, dir);
  }

  state(id: string, queued: string[]): DepState {
    const known = this.lookup(id, queued);
    if (known !== 'missing') return known;
    // "missing" fails a task: say it only after two fresh looks at every directory, as find()
    // does, so a task moving backwards meanwhile (held, released, retried) is not missed.
    for (let pass = 0; pass < 2; pass++) {
      this.reset();
      const again = this.lookup(id, dirNames(this.t.dir('queue')));
      if (again !== 'missing') return again;
    }
    return 'missing';
  }

  private lookup(id: string, queued: string[]): DepState {
    this.done ??= this.ids(['done', 'failed']);
    const s = this.done.get(id);
    if (s !== undefined) return s;
    if (!this.pending) {
      this.pending = new Set(this.ids(['running', 'held']).keys());
      for (const n of queued) this.pending.add(nameInfo(n).id ?? n);
    }
    return this.pending.has(id) ? 'pending' : 'missing';
  }

  private ids<D extends 'done' | 'failed' | 'running' | 'held'>(dirs: D[]): Map<string, D> {
    const m = new Map<string, D>();
    for (const d of dirs) for (const n of dirNamesOrNone(this.t.dir(d))) m.set(nameInfo(n).id ?? n, d);
    return m;
  }
}

/** A tree made before held/ existed has none: nothing is held there. */
function dirNamesOrNone(dir: string): string[] {
  try {
    return dirNames(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
