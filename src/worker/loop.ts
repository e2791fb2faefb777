/**
 * The worker loop. One tick: refresh → pick → claim → run → settle. Around it: registration and
 * heartbeat, recovery of abandoned runs at start and periodically, the trust check before work
 * is taken, and the stop protocol (the first SIGINT/SIGTERM drains; a second SIGINT, or a SIGHUP
 * when the pane or session goes away, cancels the current task and requeues it).
 *
 * Its effects come in as dependencies (a store, a launcher, a clock, the pane, the signals), so
 * tests drive it with fakes; worker-main.ts builds the real ones.
 */
import { afterRun, interrupted, workerError, type Move } from '../queue/lifecycle.js';
import { describe, isErrno, OrcError } from '../errors.js';
import { formatDuration } from '../time.js';
import type { Claim, Settled, Taken, WorkerStore } from '../store/worker-store.js';
import type { Launcher } from './launcher.js';
import type { LogFormat } from '../log/logger.js';
import { oneLine, paneWriter, type PaneWriter, type Say } from './pane.js';
import { runTask, type Outcome } from './runner.js';

export interface Clock {
  now(): number;
}

/** The signals a worker reacts to; `process` by default. */
export interface Signals {
  on(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
  off(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
}

type Registration = { id: string; heartbeat: () => void; unregister: () => void };

export interface WorkerDeps {
  store: WorkerStore & { register(id?: string): Registration | Promise<Registration> };
  launcher: Launcher;
  clock: Clock;
  pane: { out: NodeJS.WritableStream };
  signals: Signals;
}

export interface WorkerOptions {
  /** Worker number or name; default: the lowest free number on this host. */
  id?: string;
  /** Shown in the ready line. */
  label?: string;
  /** How often the store is checked and re-read, busy or idle. */
  rescanMs: number;
  /** How often abandoned runs are looked for. */
  staleCheckMs: number;
  /** SIGTERM → SIGKILL grace for timeouts and cancels. */
  killGraceMs: number;
  /** How often a worker that has no disk space looks again. */
  noSpaceRetryMs: number;
  /** Exit when nothing is queued for this worker (batch runs, benchmarks). */
  untilEmpty?: boolean;
  /** Heartbeat period. */
  heartbeatMs: number;
  /** The pane lines: readable (default) or one JSON object per event (src/log/logger.ts). */
  logFormat?: LogFormat;
}

/** A unique claim token: this worker, this process, a counter. */
let claims = 0;
const newToken = (worker: string, now: number) => `${worker}.${process.pid}.${now.toString(36)}.${(claims++).toString(36)}`;

export async function runWorker(d: WorkerDeps, o: WorkerOptions): Promise<void> {
  const { store, launcher, clock } = d;
  let id = o.id ?? '?';
  const pane = paneWriter(d.pane.out, () => id, () => clock.now(), o.logFormat, o.label === 'checkin' ? 'scheduler' : 'worker');
  const { say, flush } = pane;
  store.check();
  const reg = await store.register(o.id);
  id = reg.id;
  const stop = { draining: false, cancel: new AbortController() };
  let current: Claim | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGHUP' || (stop.draining && sig === 'SIGINT')) {
      stop.draining = true;
      if (current) say(`${sig}: cancelling ${current.task.id} and requeueing it`);
      stop.cancel.abort();
    } else if (!stop.draining) {
      stop.draining = true;
      say(current ? `${sig}: draining — finishing ${current.task.id}; press C-c again to cancel and requeue it` : `${sig}: stopping`);
    }
    store.poke();
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) d.signals.on(s, onSignal);
  let recovering = false;
  const recover = async () => {
    if (recovering) return;
    recovering = true;
    try {
      for (const r of await store.recover()) say(`recovered ${r.id} (${r.why}) → ${r.to}`);
    } catch (err) {
      say(`recovery failed: ${describe(err)}`);
    } finally {
      recovering = false;
    }
  };
  const timers = [setInterval(reg.heartbeat, o.heartbeatMs), setInterval(() => void recover(), o.staleCheckMs)];
  const space = spaceNotice(say);
  let checkedAt = clock.now();
  try {
    await recover();
    say(`ready on ${store.where}${o.label ? ` (label ${o.label})` : ''}; launcher ${launcher.name}`);
    while (!stop.draining) {
      // Checked again before work is taken: a tree made unsafe while we run stops us (exit 5).
      const refresh = clock.now() - checkedAt >= o.rescanMs;
      if (refresh) {
        store.check();
        checkedAt = clock.now();
      }
      const next = await store.next(clock.now(), refresh);
      if (next.kind === 'idle') {
        if (o.untilEmpty && next.empty) break;
        await store.wait(Math.min(o.rescanMs, next.nextDue === undefined ? Infinity : next.nextDue - clock.now()));
        continue;
      }
      const taken = await takeOrSay(store, next.name, newToken(id, clock.now()), clock.now(), say);
      if (taken.kind === 'skipped') {
        if (taken.note) say(taken.note);
        continue;
      }
      if (taken.kind === 'no-space') {
        space.full(taken.why);
        await store.wait(o.noSpaceRetryMs);
        continue;
      }
      current = taken.claim;
      try {
        const ran = await run(d, o, id, taken.claim, stop.cancel.signal, pane);
        if (ran === 'no-space') {
          space.full('no space left on device');
          await store.wait(o.noSpaceRetryMs);
        } else space.ok();
      } catch (err) {
        // One bad task, or a passing fs error, never kills the worker (DESIGN invariant 4).
        say(`error: ${describe(err)}`);
        await settleOrLeave(store, taken.claim, workerError(describe(err), clock.now()), say);
        await store.wait(1000);
      } finally {
        current = undefined;
      }
    }
  } finally {
    timers.forEach(clearInterval);
    for (const s of sigs) d.signals.off(s, onSignal);
    store.close();
    launcher.close();
    reg.unregister();
    say('stopped', true);
    flush();
  }
}

/** Run a claimed task and settle it; 'no-space' when it went back to the queue for want of space. */
async function run(d: WorkerDeps, o: WorkerOptions, worker: string, claim: Claim, cancel: AbortSignal, pane: PaneWriter): Promise<'ran' | 'no-space' | 'lost'> {
  const { say, flush: flushPane, line: paneLine } = pane;
  const { store, clock } = d;
  const { task } = claim;
  const logs = store.logs(task.id);
  // The start line is written by the launcher once the run is recorded, before the task's own
  // output: a task given back for want of space shows none.
  flushPane();
  const result = await runTask({
    banner: paneLine(`start ${task.id} (attempt ${task.attempt}): ${oneLine(task.cmd)}`),
    task,
    launcher: d.launcher,
    file: store.file(claim),
    record: store.startRecord(claim, worker, clock.now()),
    env: [['TASK_ID', task.id], ['TASK_ROOT', store.where], ['TASK_ATTEMPT', String(task.attempt)], ['WORKER_ID', worker]],
    logOut: logs.out,
    logErr: logs.err,
    killGraceMs: o.killGraceMs,
    cancel,
  });
  if (result.lost) {
    say(`lost ${task.id}: ${result.startError}; its process group was killed and nothing was recorded`);
    return 'lost';
  }
  if (result.noSpace) {
    await store.giveBack(claim);
    return 'no-space';
  }
  if (result.startError?.startsWith('launcher-died')) {
    // The task is no longer held: recovery (under its lock) kills what is left and requeues it.
    say(`${task.id}: ${result.startError}; requeueing it`);
    for (const r of await store.recover()) say(`recovered ${r.id} (${r.why}) → ${r.to}`);
    return 'lost';
  }
  const now = clock.now();
  // A run that exited 0 is done, whatever was asked of it meanwhile: a cancel or a stop that came
  // too late does not undo a finished run (it would be reported cancelled, or run again).
  const finished = result.exitCode === 0;
  const userCancel = !finished && (await store.cancelRequested(claim));
  const fresh = (await store.reread(claim)) ?? task;
  const m = cancel.aborted && !userCancel && !finished ? interrupted(now) : afterRun(fresh, { ...result, cancelled: userCancel }, now);
  const settled = await settleWaitingForSpace(d, o, claim, m, say);
  if (settled.kind === 'lost') say(`lost ${task.id}: ${settled.why}`);
  else {
    say(`${endWord(m)} ${task.id}: ${summary(result)} in ${formatDuration(result.durationMs)}`);
    // Hooks run on their own; what became of them is said when they end, never awaited here.
    void settled.hooks?.then((lines) => lines.forEach((l) => say(l)));
  }
  return 'ran';
}

/** Settle; on a full disk say so once and try again until there is space (the task stays held meanwhile). */
async function settleWaitingForSpace(d: WorkerDeps, o: WorkerOptions, claim: Claim, m: Move, say: Say): Promise<Settled> {
  const space = spaceNotice(say);
  for (;;) {
    try {
      const s = await d.store.settle(claim, m);
      space.ok();
      return s;
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      space.full(describe(err));
      await d.store.wait(o.noSpaceRetryMs);
    }
  }
}

/**
 * Take a task; a passing fs error while taking it (a full disk while failing a doomed task, a
 * file gone under us) skips it with a line instead of stopping the worker. OrcErrors (an unsafe
 * or damaged tree) do stop it.
 */
async function takeOrSay(store: WorkerStore, name: string, token: string, now: number, say: Say): Promise<Taken> {
  try {
    return await store.take(name, token, now);
  } catch (err) {
    if (err instanceof OrcError) throw err;
    if (isNoSpace(err)) return { kind: 'no-space', why: describe(err) };
    say(`could not take ${name}: ${describe(err)}`);
    return { kind: 'skipped' };
  }
}

async function settleOrLeave(store: WorkerStore, claim: Claim, m: Move, say: Say): Promise<void> {
  try {
    await store.settle(claim, m);
  } catch (err) {
    say(`could not settle ${claim.task.id} (${describe(err)}); recovery will, once this worker is gone`);
  }
}

/** "No space left" said once while the disk stays full, and once more when space is back. */
function spaceNotice(say: Say): { full: (why: string) => void; ok: () => void } {
  let full = false;
  return {
    full: (why) => {
      if (!full) say(`no space left on device${/no space/i.test(why) ? '' : ` (${why})`}; waiting for space`);
      full = true;
    },
    ok: () => {
      if (full) say('space is back; carrying on');
      full = false;
    },
  };
}

/** A full disk (or quota): the worker waits for space instead of failing a task. */
const isNoSpace = (err: unknown) => isErrno(err, 'ENOSPC', 'EDQUOT');

function endWord(m: Move): string {
  const status = m.append.find(([k]) => k === 'STATUS')?.[1];
  if (m.to === 'queue') return `requeued (${status})`;
  return m.to === 'done' ? 'done' : status ?? 'failed';
}

function summary(r: Outcome): string {
  if (r.startError) return r.startError;
  if (r.signal) return `signal ${r.signal}`;
  return `exit ${r.exitCode}`;
}
