/**
 * Named barriers that lose nothing. `tmux wait-for` alone forgets (a second early signal erases
 * the first; a waiter killed by `timeout` swallows the next signal), so the truth is a durable
 * record in the tree, changed under a short lock, and `wait-for` is only the wake-up:
 *
 *   <root>/barriers/<name>/waiting/<W>   a waiter that has arrived (HOST, PID, PID_START, PARTIES)
 *   <root>/barriers/<name>/released/<W>  a waiter let go, until it notices
 *   <root>/barriers/<name>/pending/<S>   a signal that found nobody waiting, kept for the next one
 *   <root>/barriers/<name>/barrier.lock  the lock (persist/lock.ts), held for microseconds
 *
 * Rules. A signal releases every live waiter; if there is none it leaves one pending token, and
 * each token lets exactly one later waiter through (so two early signals release two waits).
 * Waiters whose process is gone are swept before a signal counts them, so a killed waiter never
 * absorbs a signal; a waiter interrupted just after being released puts its token back. With
 * `parties: N` the waiter is released when N waiters of that barrier with the same N have
 * arrived (a signal releases them early). Waiters poll every 250 ms as a safety net.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decode, encode, last } from '../persist/codec.js';
import { HOST, isAlive, processStart } from '../persist/proc.js';
import { tree } from '../queue/tree.js';
import { writeAtomic } from '../persist/atomic.js';
import { withLock } from '../persist/lock.js';
import { fail, isErrno } from '../errors.js';
import { formatDuration } from '../time.js';
import { channel, wakeWaiters, WakeListener } from './barrier-wakeup.js';

export { channel } from './barrier-wakeup.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const POLL_MS = 250;

/** Where barriers and the tmux server used for wake-ups live. */
export interface BarrierPlace {
  root: string;
  /** tmux socket for `wait-for` wake-ups; undefined: poll only. */
  socket?: string;
}

export interface WaitOptions {
  /** Give up after this many ms (OrcError 'timeout'). */
  timeoutMs?: number;
  /** Release when this many parties have arrived, instead of on a signal. */
  parties?: number;
  /** Abort (a signal to the process): withdraw, giving back a signal received meanwhile. */
  abort?: AbortSignal;
}

/** Throw OrcError('usage') unless `name` is a valid barrier name. */
export function checkBarrierName(name: string): void {
  if (!NAME.test(name)) throw fail('usage', `barrier name must match [A-Za-z0-9][A-Za-z0-9._-]* (no spaces or /), got ${JSON.stringify(name)}`);
}

/** The directory of barrier `name`, created on demand. */
function barrierDir(root: string, name: string): string {
  checkBarrierName(name);
  const dir = path.join(root, 'barriers', name);
  for (const d of ['waiting', 'released', 'pending']) fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o700 });
  fs.mkdirSync(tree(root).dir('tmp'), { recursive: true, mode: 0o700 }); // for writeAtomic
  return dir;
}

let seq = 0;
const newId = () => `${String(Date.now()).padStart(14, '0')}-${process.pid}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const ls = (dir: string) => fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();

/** Remove waiters whose process is gone (same host only; other hosts cannot be judged by pid). */
function sweepDead(dir: string): string[] {
  const live: string[] = [];
  for (const w of ls(path.join(dir, 'waiting'))) {
    const file = path.join(dir, 'waiting', w);
    let fields: Array<[string, string]>;
    try {
      fields = decode(fs.readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (last(fields, 'HOST') === HOST && !isAlive(Number(last(fields, 'PID')), last(fields, 'PID_START') ?? '')) fs.rmSync(file, { force: true });
    else live.push(w);
  }
  return live;
}

const partiesOf = (dir: string, w: string) => {
  try {
    return Number(last(decode(fs.readFileSync(path.join(dir, 'waiting', w), 'utf8')), 'PARTIES') ?? 0);
  } catch {
    return -1;
  }
};

/** Run a section of this barrier's rules under its lock. */
const locked = <T>(dir: string, fn: () => T): Promise<T> => withLock(path.join(dir, 'barrier.lock'), fn);

const release = (dir: string, w: string) => fs.renameSync(path.join(dir, 'waiting', w), path.join(dir, 'released', w));

/** Signal barrier `name`: release everyone waiting, or keep the signal for the next waiter. */
export async function barrierSignal(place: BarrierPlace, name: string): Promise<{ released: number; pending: number }> {
  const dir = barrierDir(place.root, name);
  const result = await locked(dir, () => {
    const live = sweepDead(dir);
    for (const w of live) release(dir, w);
    if (live.length === 0) fs.writeFileSync(path.join(dir, 'pending', newId()), `SENT=${new Date().toISOString()}\nHOST=${HOST}\nPID=${process.pid}\n`);
    return { released: live.length, pending: ls(path.join(dir, 'pending')).length };
  });
  wakeWaiters(place.socket, channel(place.root, name));
  return result;
}

/** Arrive: take a pending signal, or register (and release a full party). True when already released. */
function arrive(root: string, dir: string, me: string, parties: number): boolean {
  sweepDead(dir);
  if (parties === 0) {
    const token = ls(path.join(dir, 'pending'))[0];
    if (token) {
      fs.rmSync(path.join(dir, 'pending', token));
      return true;
    }
  }
  const entry: Array<[string, string]> = [['HOST', HOST], ['PID', String(process.pid)], ['PID_START', processStart(process.pid) ?? ''], ['PARTIES', String(parties)], ['ARRIVED', new Date().toISOString()]];
  // Whole or not at all: a waiter killed while writing must not leave a record without its PID,
  // which sweepDead cannot judge and a signal would then release (a swallowed signal).
  writeAtomic(tree(root).dir('tmp'), path.join(dir, 'waiting', me), encode(entry));
  if (parties > 0) {
    const party = ls(path.join(dir, 'waiting')).filter((w) => partiesOf(dir, w) === parties);
    if (party.length >= parties) for (const w of party.slice(0, parties)) release(dir, w);
  }
  return false;
}

/** True (and forgets the mark) when this waiter has been released. */
function takeRelease(dir: string, me: string): boolean {
  try {
    fs.rmSync(path.join(dir, 'released', me));
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/** Wait on barrier `name` until released; OrcError('timeout') after `timeoutMs`. */
export async function barrierWait(place: BarrierPlace, name: string, opts: WaitOptions = {}): Promise<void> {
  const dir = barrierDir(place.root, name);
  const parties = opts.parties ?? 0;
  const me = newId();
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const wakeups = new WakeListener(place.socket, channel(place.root, name));
  try {
    if (await locked(dir, () => arrive(place.root, dir, me, parties))) return;
    if (parties > 0) wakeWaiters(place.socket, channel(place.root, name)); // a full party released others too
    for (;;) {
      if (takeRelease(dir, me)) return;
      if (opts.abort?.aborted || Date.now() >= deadline) {
        const released = await locked(dir, () => withdraw(dir, me, parties, opts.abort?.aborted === true));
        if (released && !opts.abort?.aborted) return;
        if (opts.abort?.aborted) throw fail('failed', `barrier-wait ${name}: interrupted${released ? ' (its signal was kept for the next waiter)' : ''}`);
        const what = parties ? `${parties} parties` : 'a signal';
        throw fail('timeout', `barrier-wait ${name}: timed out after ${formatDuration(opts.timeoutMs!)} waiting for ${what}`);
      }
      await wakeups.next(Math.min(POLL_MS, deadline - Date.now()), opts.abort);
    }
  } finally {
    wakeups.close();
  }
}

/**
 * Leave the barrier. True when we had been released meanwhile; if we are going away without
 * acting on that release (`dying`), the signal is put back as a pending token.
 */
function withdraw(dir: string, me: string, parties: number, dying: boolean): boolean {
  if (takeRelease(dir, me)) {
    if (dying && parties === 0) fs.writeFileSync(path.join(dir, 'pending', newId()), `RETURNED=${new Date().toISOString()}\n`);
    return true;
  }
  fs.rmSync(path.join(dir, 'waiting', me), { force: true });
  return false;
}
