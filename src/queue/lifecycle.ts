/**
 * The life of a task as pure decisions: given a task, what happened and the time, where does it
 * go next and what is appended to its file. No fs here; the store carries the decisions out.
 *
 *   queue ──claim──▶ running ──exit 0──▶ done
 *     ▲                 │  └──failure, retries spent / cancel / bad cwd / invalid / worker error──▶ failed
 *     └──retry (backoff), interrupt, stale run, not due──┘
 *   queue ──dependency failed or missing──▶ failed            failed ──tasks-retry──▶ queue
 */
import type { Fields } from '../persist/codec.js';
import type { Task } from './task.js';
import { formatDuration, iso } from '../time.js';

/** The state directories; `held` keeps a task out of the queue until it is released (never claimed there). */
export type Dir = 'queue' | 'held' | 'running' | 'done' | 'failed';

/** A transition: the directory the file moves to and the record appended on the way. */
export interface Move {
  to: Dir;
  append: Fields;
  /** Rewrite the file as its spec plus `append`, dropping old run records (recurring tasks). */
  compact?: boolean;
}

/** What a dependency is doing, as seen in the tree. */
export type DepState = 'done' | 'failed' | 'pending' | 'missing';

/** Whether a queued task may be claimed now. */
export type Readiness =
  | { kind: 'ready' }
  | { kind: 'later'; due: number }
  | { kind: 'blocked' }
  | { kind: 'doomed'; move: Move };

export function readiness(task: Task, now: number, dep: (id: string) => DepState): Readiness {
  if (task.due > now) return { kind: 'later', due: task.due };
  let blocked = false;
  for (const id of task.after) {
    const state = dep(id);
    if (state === 'failed' || state === 'missing') {
      const reason = state === 'failed' ? `dependency-failed: ${id} failed` : `dependency-missing: ${id} is not in the tree`;
      return { kind: 'doomed', move: { to: 'failed', append: closing(now, 'failed', reason) } };
    }
    if (state === 'pending') blocked = true;
  }
  // --after-any: ended, whatever the result (a dependency removed since has ended too).
  for (const id of task.afterAny ?? []) if (dep(id) === 'pending') blocked = true;
  return blocked ? { kind: 'blocked' } : { kind: 'ready' };
}

/** How a run ended, as the runner saw it. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The task could not be started (bad cwd, spawn failure): never retried. */
  startError?: string;
  durationMs: number;
}

export const MAX_BACKOFF_MS = 3_600_000;

export function backoffDelay(task: Task): number {
  return Math.min(MAX_BACKOFF_MS, task.backoffMs * 2 ** (task.attempt - 1));
}

/**
 * Where a run's end takes the task. Its exit code or signal is in the record already when the
 * launcher could write it (task.owner.result); otherwise it is written here.
 */
export function afterRun(task: Task, r: RunResult, now: number): Move {
  const end: Fields = [['FINISHED', iso(now)]];
  if (!task.owner?.result) {
    if (r.exitCode !== null) end.push(['EXIT', String(r.exitCode)]);
    if (r.signal !== null) end.push(['SIGNAL', r.signal]);
  }
  if (r.startError !== undefined) return { to: 'failed', append: [...end, ['STATUS', 'failed'], ['REASON', r.startError]] };
  if (r.cancelled) return { to: 'failed', append: [...end, ['STATUS', 'cancelled'], ['REASON', 'cancelled']] };
  const ok = !r.timedOut && r.exitCode === 0;
  const status = ok ? 'done' : r.timedOut ? 'timeout' : 'failed';
  const reason = r.timedOut
    ? `timeout after ${formatDuration(task.timeoutMs ?? 0)}`
    : r.signal !== null ? `signal ${r.signal}` : `exit ${r.exitCode}`;
  const retriesLeft = task.attempt <= task.retries;
  if (task.everyMs && (ok || !retriesLeft)) return recur(task, [...end, ['STATUS', status], ...(ok ? [] : [['REASON', reason] as [string, string]])], now);
  if (ok) return { to: 'done', append: [...end, ['STATUS', 'done']] };
  if (!retriesLeft) return { to: 'failed', append: [...end, ['STATUS', status], ['REASON', reason]] };
  const due = now + backoffDelay(task);
  return {
    to: 'queue',
    append: [...end, ['STATUS', status], ['REASON', `${reason}; retry ${task.attempt}/${task.retries} at ${iso(due)}`],
      ['ATTEMPT', String(task.attempt + 1)], ['DUE', iso(due)]],
  };
}

/**
 * A recurring task goes back to the queue due at the first period boundary after now, so that
 * after downtime an overdue task fires once, not once per missed period.
 */
export function nextDue(task: Task, now: number): number {
  const every = task.everyMs!;
  const base = task.due || now;
  return base + (Math.floor(Math.max(0, now - base) / every) + 1) * every;
}

function recur(task: Task, end: Fields, now: number): Move {
  const runs = Number(task.fields.findLast(([k]) => k === 'RUNS')?.[1] ?? 0) + 1;
  return { to: 'queue', compact: true, append: [...end, ['RUNS', String(runs)], ['DUE', iso(nextDue(task, now))]] };
}

/** The worker was stopped twice: requeue without counting the attempt. */
export function interrupted(now: number): Move {
  return { to: 'queue', append: [...closing(now, 'interrupted', 'worker stopped; requeued'), ['DUE', iso(now)]] };
}

/**
 * The owner of a running task is gone. Every task gets at least one free re-run after a worker
 * crash; beyond that, the task's own retries decide.
 */
export function stale(task: Task, why: string, now: number): Move {
  if (task.attempt > Math.max(task.retries, 1)) return { to: 'failed', append: closing(now, 'failed', `stale: ${why}`) };
  return { to: 'queue', append: [...closing(now, 'stale', `stale: ${why}; requeued`), ['ATTEMPT', String(task.attempt + 1)], ['DUE', iso(now)]] };
}

/** A claimed file that is not a valid task: to failed/ as it is (its reason is what is wrong with it). */
export function rejected(): Move {
  return { to: 'failed', append: [] };
}

/** A claimed task that is not due after all (the worker's view was out of date): back, unchanged. */
export function notDue(): Move {
  return { to: 'queue', append: [] };
}

/** The worker failed to carry a claimed task through (an unexpected error): failed, with the error. */
export function workerError(message: string, now: number): Move {
  return { to: 'failed', append: closing(now, 'failed', `worker-error: ${message}`) };
}

/** A queued task (or one whose worker is gone) is cancelled. */
export function cancelled(now: number): Move {
  return { to: 'failed', append: closing(now, 'cancelled', 'cancelled') };
}

/** `tasks-retry` (of a failed or a done task): back to the queue with a fresh attempt. */
export function retried(task: Task, now: number): Move {
  return { to: 'queue', append: [['RETRIED', iso(now)], ['ATTEMPT', String(task.attempt + 1)], ['DUE', iso(now)]] };
}

function closing(now: number, status: string, reason: string): Fields {
  return [['FINISHED', iso(now)], ['STATUS', status], ['REASON', reason]];
}
