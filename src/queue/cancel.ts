/**
 * Cancelling a task. Queued: claimed as a worker claims (under the launcher's lock), then failed
 * with status cancelled. Held: failed as cancelled under the lock hold, release and edit take. Running: a cancel request naming its run is left in cancels/ and its
 * process group is signalled; whoever settles the run (its worker, or recovery if the worker is
 * gone) settles it as cancelled. "Cancelled" is reported only when the task has ended cancelled.
 */
import { cancelled, rejected } from './lifecycle.js';
import { clearCancel, requestCancel } from './cancel-marker.js';
import { judge, recoverStale } from './recover.js';
import { holderFor } from './holder.js';
import { moveUnchanged, settle } from './transitions.js';
import { find, readTaskText, taskFromText, taskPath, type Tree } from './tree.js';
import { signalGroup } from '../persist/proc.js';
import { fail } from '../errors.js';
import { afterSettle } from './settled.js';
import { withEditLock } from './hold.js';

export type CancelOutcome = 'cancelled-queued' | 'cancelled-held' | 'cancelled-running' | 'cancelled-stale';

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

export async function cancel(t: Tree, id: string, opts: { waitMs?: number; graceMs?: number } = {}): Promise<CancelOutcome> {
  const deadline = Date.now() + (opts.waitMs ?? 35_000);
  for (;;) {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir === 'done' || f.dir === 'failed') throw fail('conflict', `task ${id} has already finished (${f.dir}); nothing to cancel`);
    if (f.dir === 'queue') {
      if (await cancelQueued(t, f.name)) return 'cancelled-queued';
    } else if (f.dir === 'held') {
      if (await cancelHeld(t, id)) return 'cancelled-held';
    } else {
      const text = readTaskText(f.file);
      const r = text === undefined ? undefined : taskFromText(text, f.name);
      const claim = r?.ok ? r.task.owner?.claim : undefined;
      const v = judge(t, f.name);
      if (claim !== undefined && v.kind === 'abandoned') {
        requestCancel(t, id, claim);
        await terminate(t, f.name, undefined, opts.graceMs ?? 5000); // recovery settles it, as cancelled
        return ended(t, id, claim, 'cancelled-stale');
      }
      if (claim !== undefined && r?.ok) {
        requestCancel(t, id, claim);
        await terminate(t, f.name, r.task.owner?.pgid, opts.graceMs ?? 5000);
        return ended(t, id, claim, 'cancelled-running');
      }
    }
    // Claimed a moment ago and not started yet, or claimed by a worker as we tried: look again.
    if (Date.now() > deadline) throw fail('timeout', `task ${id} did not settle in time; try again`);
    await pause(20);
  }
}

/** Claim a queued task and fail it as cancelled; false when a worker took it first. */
async function cancelQueued(t: Tree, name: string): Promise<boolean> {
  const holder = holderFor();
  try {
    const reply = await holder.claim(taskPath(t, 'queue', name), taskPath(t, 'running', name));
    if (reply.kind === 'bad') throw fail('conflict', `cannot cancel ${name}: ${reply.reason}; a worker will quarantine it`);
    if (reply.kind === 'error') throw fail('failed', `cannot cancel ${name}: ${reply.reason}`);
    if (reply.kind !== 'claimed') return false;
    const text = readTaskText(taskPath(t, 'running', name));
    const r = text === undefined ? undefined : taskFromText(text, name);
    if (!r?.ok) {
      moveUnchanged(t, 'running', name, rejected().to);
      throw fail('conflict', `${name} is not a valid task (${r?.ok === false ? r.reason : 'unreadable'}); it went to failed/ unrun`);
    }
    if (settle(t, 'running', name, r.task, text as string, cancelled(Date.now())) !== 'moved') return false;
    void afterSettle(t, r.task, 'failed', name);
    return true;
  } finally {
    holder.close();
  }
}

/** Fail a held task as cancelled; false when it left held/ meanwhile (released). */
function cancelHeld(t: Tree, id: string): Promise<boolean> {
  return withEditLock(t, () => {
    const f = find(t, id);
    if (f?.dir !== 'held') return false;
    const text = readTaskText(f.file);
    const r = text === undefined ? undefined : taskFromText(text, f.name);
    if (!r?.ok) throw fail('conflict', `${f.name} is not a valid task (${r?.ok === false ? r.reason : 'unreadable'}); remove it from ${t.dir('held')} by hand`);
    if (settle(t, 'held', f.name, r.task, text as string, cancelled(Date.now())) !== 'moved') return false;
    void afterSettle(t, r.task, 'failed', f.name);
    return true;
  });
}

/**
 * SIGTERM the group, SIGKILL it after the grace period, until the run has been settled: by its
 * worker, or here through recovery when nobody holds it any more (its worker and launcher gone).
 */
async function terminate(t: Tree, name: string, pgid: number | undefined, graceMs: number): Promise<void> {
  if (pgid !== undefined) signalGroup(pgid, 'SIGTERM');
  const killAt = Date.now() + graceMs;
  let killed = false;
  while (readTaskText(taskPath(t, 'running', name)) !== undefined) {
    if (!killed && pgid !== undefined && Date.now() > killAt) killed = signalGroup(pgid, 'SIGKILL') || true;
    if (judge(t, name).kind === 'abandoned') await recoverStale(t);
    if (Date.now() > killAt + 30_000) throw fail('timeout', `the worker has not settled ${name} yet; it will be cancelled when it does`);
    await pause(10);
  }
}

/** What became of the run: cancelled, or finished on its own first (then the request is withdrawn). */
function ended(t: Tree, id: string, claim: string, outcome: CancelOutcome): CancelOutcome {
  const f = find(t, id);
  const text = f && readTaskText(f.file);
  const r = typeof text === 'string' ? taskFromText(text, f!.name) : undefined;
  clearCancel(t, id, claim);
  if (f && f.dir === 'failed' && r?.ok && r.task.status === 'cancelled') return outcome;
  const how = f ? `${f.dir}${r?.ok && r.task.status ? `, ${r.task.status}` : ''}` : 'gone';
  throw fail('conflict', `task ${id} already finished (${how}) before the cancel took effect`);
}
