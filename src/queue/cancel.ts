/**
 * Cancelling a task. Queued: claimed like a worker would (one rename), then failed with status
 * cancelled. Running: a CANCEL record is appended for the worker to read, and the task's whole
 * process group is signalled; if its worker is gone, the task is failed directly.
 */
import { cancelled } from './lifecycle.js';
import { signalGroup } from '../persist/proc.js';
import { staleReason } from './recover.js';
import { apply, claim, record } from './transitions.js';
import { find, move, readTask, taskPath, type Tree } from './tree.js';
import { fail } from '../errors.js';
import { iso } from '../time.js';

export type CancelOutcome = 'cancelled-queued' | 'cancelled-running' | 'cancelled-stale';

export async function cancel(t: Tree, id: string, opts: { waitMs?: number; graceMs?: number } = {}): Promise<CancelOutcome> {
  const deadline = Date.now() + (opts.waitMs ?? 35_000);
  for (;;) {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir === 'done' || f.dir === 'failed') throw fail('conflict', `task ${id} has already finished (${f.dir}); nothing to cancel`);
    if (f.dir === 'queue') {
      const r = readTask(f.file);
      if (claim(t, f.name)) {
        if (r?.ok) apply(t, 'running', f.name, r.task, cancelled(Date.now()));
        else move(t, 'running', f.name, 'failed');
        return 'cancelled-queued';
      }
      continue; // a worker claimed it first: cancel it as a running task
    }
    const r = readTask(f.file);
    if (!r) continue;
    if (r.ok && r.task.owner) {
      if (staleReason(t, f.name)) {
        apply(t, 'running', f.name, r.task, cancelled(Date.now()));
        return 'cancelled-stale';
      }
      if (!r.task.cancelRequested) record(t, 'running', f.name, [['CANCEL', iso(Date.now())]]);
      const pgid = await waitForGroup(t, f.name, deadline);
      if (pgid !== undefined) await terminate(t, f.name, pgid, opts.graceMs ?? 5000);
      return 'cancelled-running';
    }
    // Claimed a moment ago and not started yet: wait for the owner record (or staleness).
    if (Date.now() > deadline) throw fail('timeout', `task ${id} was claimed but has not started; try again`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** The task's process group id once the worker has recorded it; undefined if the run ended. */
async function waitForGroup(t: Tree, name: string, deadline: number): Promise<number | undefined> {
  for (;;) {
    const r = readTask(taskPath(t, 'running', name));
    if (!r?.ok || !r.task.owner) return undefined;
    if (r.task.owner.pgid) return r.task.owner.pgid;
    if (Date.now() > deadline) return undefined;
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** SIGTERM the group, SIGKILL it after the grace period, and return once the worker has moved the file on. */
async function terminate(t: Tree, name: string, pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const killAt = Date.now() + graceMs;
  let killed = false;
  while (readTask(taskPath(t, 'running', name))) {
    if (!killed && Date.now() > killAt) killed = signalGroup(pgid, 'SIGKILL') || true;
    if (Date.now() > killAt + 10_000) return; // the worker will record it when it gets to it
    await new Promise((res) => setTimeout(res, 10));
  }
}
