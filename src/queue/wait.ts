/**
 * Waiting for tasks to end (`tasks-enqueue --wait`, `tasks-tail -f`): where each task is, what a
 * queued one waits for, and its outcome as one line and an exit code (README "Exit codes" of
 * --wait: the task's own exit code; 124 for a timeout, as timeout(1); 128+N for signal N; 1 else).
 */
import os from 'node:os';
import { dirNames, nameInfo, readTask, STATE_DIRS, taskPath, type Tree } from './tree.js';
import type { Task } from './task.js';
import type { Dir } from './lifecycle.js';
import { fail } from '../errors.js';
import { formatAge, iso } from '../time.js';

/** How a task ended. */
export interface Outcome {
  id: string;
  dir: 'done' | 'failed';
  /** STATUS: done, failed, timeout, cancelled. */
  status: string;
  reason?: string;
  durationMs?: number;
  /** What `--wait` and `tasks-tail -f` exit with. */
  code: number;
}

/** The exit code that stands for a finished task. */
export function exitCodeOf(dir: 'done' | 'failed', task: Task | undefined): number {
  if (dir === 'done') return 0;
  if (!task) return 1;
  if (task.status === 'timeout') return 124;
  if (task.exit !== undefined && task.exit !== 0) return task.exit;
  if (task.signal) return 128 + (os.constants.signals[task.signal as NodeJS.Signals] ?? 0);
  return 1;
}

export function outcomeOf(id: string, dir: 'done' | 'failed', file: string): Outcome {
  const r = readTask(file);
  const task = r?.ok ? r.task : undefined;
  const status = task?.status ?? (dir === 'done' ? 'done' : 'failed');
  const durationMs = task?.started !== undefined && task.finished !== undefined ? task.finished - task.started : undefined;
  const reason = task?.reason ?? (r && !r.ok ? r.reason : undefined);
  return { id, dir, status, reason, durationMs, code: exitCodeOf(dir, task) };
}

/** `1.2s`, `4m12s`. */
const took = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatAge(ms));

/** `t…: done in 1.2s`, `t…: failed: exit 7 after 0.3s`, `t…: failed: timeout after 1s (exit code 124)`. */
export function outcomeLine(o: Outcome): string {
  if (o.dir === 'done') return `${o.id}: done${o.durationMs === undefined ? '' : ` in ${took(o.durationMs)}`}`;
  const what = o.status === 'cancelled' ? 'cancelled' : `failed: ${o.reason ?? o.status}`;
  const after = o.durationMs !== undefined && !/^timeout/.test(o.reason ?? '') && o.status !== 'cancelled' ? ` after ${took(o.durationMs)}` : '';
  const code = o.reason === `exit ${o.code}` ? '' : ` (exit code ${o.code})`;
  return `${o.id}: ${what}${after}${code}`;
}

/** Where each task of the tree is now, by ID (one listing of the four state directories). */
function whereAll(t: Tree): Map<string, { dir: Dir; name: string }> {
  const at = new Map<string, { dir: Dir; name: string }>();
  for (const dir of STATE_DIRS) {
    let names: string[] = [];
    try {
      names = dirNames(t.dir(dir));
    } catch {
      // a state directory gone missing is the tree's problem; the tasks in it are "gone" below
    }
    for (const name of names) {
      const id = nameInfo(name).id ?? name;
      if (!at.has(id)) at.set(id, { dir, name });
    }
  }
  return at;
}

/** What a queued task waits for, in words: `queued, waiting for a worker`, `delayed until … (in 5m)`, `waiting for t1, t2`. */
export function queuedState(task: Task, done: (id: string) => boolean, now = Date.now()): string {
  if (task.due > now) return `delayed until ${iso(task.due)} (in ${formatAge(task.due - now)})`;
  const deps = task.after.filter((d) => !done(d));
  if (deps.length) return `waiting for ${deps.join(', ')} to finish`;
  // Groups and named locks (issue 18): whether one is full or held now is for a worker's claim to find.
  const gates = [task.group && `a slot of group ${task.group}`, task.lock && `lock ${task.lock}`].filter(Boolean);
  if (gates.length) return `queued, waiting for a worker and ${gates.join(' and ')}`;
  return 'queued, waiting for a worker';
}

export interface WaitHooks {
  /** Called for each task as it ends, in the order they are seen to end. */
  onEnd?: (o: Outcome) => void;
  /** Called about once a second while some task has not ended, with how many are queued and running (a place for notices and a status line). */
  onTick?: (left: { queued: number; running: number }) => void;
  pollMs?: number;
  /** Return as soon as one task has ended (with the outcomes so far). */
  any?: boolean;
  /** Give up after this long: OrcError('timeout'), naming what had not ended. */
  timeoutMs?: number;
  /** Stop waiting when this aborts (the caller is gone): OrcError('timeout'), the tasks untouched. */
  signal?: AbortSignal;
}

/**
 * Wait until every task in `ids` is in done/ or failed/ (a retried task goes back to the queue
 * and is waited for again), or with `any` until one is. Resolves with the outcomes in the order
 * of `ids` (with `any`, of those that ended).
 */
export async function waitForAll(t: Tree, ids: string[], hooks: WaitHooks = {}): Promise<Outcome[]> {
  const pending = new Set(ids);
  const deadline = hooks.timeoutMs === undefined ? Infinity : Date.now() + hooks.timeoutMs;
  const ended = new Map<string, Outcome>();
  let lastTick = 0;
  for (;;) {
    let at = whereAll(t);
    // A task moving back (released, edited, retried) can be missed by one look at the directories
    // in turn, as find() knows: look twice before saying it is gone.
    if ([...pending].some((id) => !at.has(id))) at = whereAll(t);
    // Each look lists the whole tree: in a big one, look less often.
    const pollMs = hooks.pollMs ?? Math.min(1000, 50 + Math.floor(at.size / 100));
    for (const id of [...pending]) {
      const w = at.get(id);
      if (!w) throw fail('not-found', `task ${id} disappeared from ${t.root} (removed by hand, or by tasks-clean or tasks-rm?)`);
      if (w.dir !== 'done' && w.dir !== 'failed') continue;
      const o = outcomeOf(id, w.dir, taskPath(t, w.dir, w.name));
      ended.set(id, o);
      pending.delete(id);
      hooks.onEnd?.(o);
    }
    if (pending.size === 0 || (hooks.any && ended.size > 0)) return ids.filter((id) => ended.has(id)).map((id) => ended.get(id)!);
    if (Date.now() >= deadline) {
      throw fail('timeout', `timed out after ${formatAge(hooks.timeoutMs!)}; not ended: ${[...pending].map((id) => `${id} (${at.get(id)?.dir === 'running' ? 'running' : at.get(id)?.dir ?? 'gone'})`).join(', ')}`);
    }
    if (hooks.signal?.aborted) throw fail('timeout', `stopped waiting: ${[...pending].join(', ')} not ended yet`);
    if (Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      let running = 0;
      for (const id of pending) if (at.get(id)?.dir === 'running') running++;
      hooks.onTick?.({ queued: pending.size - running, running });
    }
    await nap(Math.min(pollMs, Math.max(0, deadline - Date.now())), hooks.signal);
  }
}

/** Sleep `ms`, or less when `signal` aborts meanwhile. */
function nap(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((res) => {
    const done = () => (clearTimeout(timer), signal?.removeEventListener('abort', done), res());
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Wait for one task; resolves with its outcome. */
export async function waitForEnd(t: Tree, id: string, hooks: WaitHooks = {}): Promise<Outcome> {
  return (await waitForAll(t, [id], hooks))[0];
}
