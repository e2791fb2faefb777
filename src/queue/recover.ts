/**
 * Recovery of abandoned runs. A running task is alive while its file is held: the claimer's
 * launcher keeps a kernel lock on it from before the claim until after the settle, and a stopped
 * or busy worker still holds it. An unheld file in running/ is abandoned (its worker and launcher
 * are gone): what is left of its process group is killed, then it is settled from its recorded
 * result if it has one, cancelled if it was asked to be, and requeued (or failed when its retries
 * are spent) otherwise. On another host's tasks the lock may not be visible; there the lease
 * decides: the file's mtime, which the remote launcher renews while the task runs.
 *
 * Recoverers take one global lock and judge each file again under it, so two of them racing
 * never act on a task twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterRun, cancelled, rejected, stale as staleMove, type Move } from './lifecycle.js';
import { cancelMarker, clearCancel } from './cancel-marker.js';
import { heldLocks, type Held } from './locks.js';
import { moveUnchanged, settle } from './transitions.js';
import { HOST, killOrphans } from '../persist/proc.js';
import { listNames, readTaskText, taskFromText, taskPath, type Tree } from './tree.js';
import { leaseMs } from './workers.js';
import { withLock } from '../persist/lock.js';
import { afterSettle } from './settled.js';
import type { OrcError } from '../errors.js';

/** How long a claimed file without an owner record is given before it counts as abandoned. */
export const CLAIM_GRACE_MS = 5000;

export interface StaleTask {
  id: string;
  name: string;
  why: string;
}

/** What a running file is: alive, the leftover of a move that a crash interrupted, or abandoned. */
export type Verdict = { kind: 'alive' } | { kind: 'leftover'; in: string } | { kind: 'abandoned'; why: string };

/** Judge the running file `name` (changes nothing). */
export function judge(t: Tree, name: string, now = Date.now(), held: Held = heldLocks(), lease = leaseMs()): Verdict {
  const file = taskPath(t, 'running', name);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st || held.has(st)) return { kind: 'alive' };
  // The same file (a move's link landed, its unlink did not) also in another state directory.
  for (const d of ['queue', 'done', 'failed'] as const) {
    const other = fs.lstatSync(taskPath(t, d, name), { throwIfNoEntry: false });
    if (other && other.ino === st.ino && other.dev === st.dev) return { kind: 'leftover', in: d };
  }
  const text = readTaskText(file);
  if (text === undefined) return { kind: 'alive' };
  const r = taskFromText(text, name);
  const owner = r.ok ? r.task.owner : undefined;
  if (owner && owner.host !== HOST && now - st.mtimeMs < lease) return { kind: 'alive' };
  // No owner record yet: claimed a moment ago, perhaps on a host whose lock we cannot see (its
  // rename set the ctime). A claimer that stalls longer finds, before it runs anything, that the
  // file is no longer where it left it, and gives up (launcher.pl's run).
  if (!owner && now - st.ctimeMs < Math.min(lease, CLAIM_GRACE_MS)) return { kind: 'alive' };
  if (!r.ok) return { kind: 'abandoned', why: r.reason };
  if (!owner) return { kind: 'abandoned', why: 'claimed but never run (its claimer died before it could start it)' };
  const where = owner.host === HOST ? `pid ${owner.pid}` : `on ${owner.host}, lease lapsed`;
  return { kind: 'abandoned', why: `worker ${owner.worker} (${where}) no longer holds it` };
}

/** Running tasks that are abandoned now (changes nothing). */
export function findStale(t: Tree, now = Date.now()): StaleTask[] {
  const held = heldLocks();
  const out: StaleTask[] = [];
  for (const name of listNames(t, 'running')) {
    const v = judge(t, name, now, held);
    if (v.kind !== 'abandoned') continue;
    const text = readTaskText(taskPath(t, 'running', name));
    const r = text === undefined ? undefined : taskFromText(text, name);
    out.push({ id: r?.ok ? r.task.id : (r?.id ?? name), name, why: v.why });
  }
  return out;
}

/** Recover every abandoned task; returns what was recovered and where it went. */
export async function recoverStale(t: Tree): Promise<Array<StaleTask & { to: string }>> {
  const held = heldLocks();
  const names = listNames(t, 'running').filter((n) => judge(t, n, Date.now(), held).kind !== 'alive');
  if (names.length === 0) return [];
  const done: Array<StaleTask & { to: string }> = [];
  try {
    await withLock(path.join(t.root, 'recover.lock'), async () => {
      for (const name of names) {
        const r = await recoverOne(t, name);
        if (r) done.push(r);
      }
    }, { staleMs: 10_000, waitMs: 2000, onCompromised: () => {} });
  } catch (err) {
    if ((err as OrcError).code === 'timeout') return []; // another recoverer holds the lock; it will do the work
    throw err;
  }
  return done;
}

/** Judge one file again (under the recovery lock) and act on it. */
async function recoverOne(t: Tree, name: string): Promise<(StaleTask & { to: string }) | undefined> {
  const v = judge(t, name);
  const file = taskPath(t, 'running', name);
  if (v.kind === 'alive') return undefined;
  if (v.kind === 'leftover') {
    // The move to v.in landed and only the old name was left: finish it.
    fs.rmSync(file, { force: true });
    return { id: name, name, why: `a move to ${v.in}/ was interrupted`, to: v.in };
  }
  const before = taskFromText(readTaskText(file) ?? { invalid: 'gone' }, name);
  const owner = before.ok ? before.task.owner : undefined;
  if (owner?.host === HOST && owner.pgid && owner.pgidStart) await killOrphans(owner.pgid, owner.pgidStart);
  // Read again: the launcher may have recorded a result while its group was being killed.
  const text = readTaskText(file);
  if (text === undefined) return undefined;
  const r = taskFromText(text, name);
  if (!r.ok || typeof text !== 'string') {
    return moveUnchanged(t, 'running', name, rejected().to) === 'moved' ? { id: r.ok ? r.task.id : r.id, name, why: v.why, to: 'failed' } : undefined;
  }
  const now = Date.now();
  const task = r.task;
  const claim = task.owner?.claim;
  const result = task.owner?.result;
  // A run that exited 0 is done even if a cancel was asked for it meanwhile.
  const wasCancelled = claim !== undefined && result?.exit !== 0 && cancelMarker(t, task.id) === claim;
  let m: Move;
  if (wasCancelled) m = cancelled(now);
  else if (result) {
    m = afterRun(task, { exitCode: result.exit ?? null, signal: result.signal ?? null, timedOut: false, cancelled: false, durationMs: now - (task.owner?.started ?? now) }, now);
  } else m = staleMove(task, v.why, now);
  if (settle(t, 'running', name, task, text, m) !== 'moved') return undefined;
  void afterSettle(t, task, m.to, name);
  if (wasCancelled) clearCancel(t, task.id, claim);
  const why = wasCancelled ? `${v.why}; it was cancelled` : result ? `${v.why}; its result was recorded` : v.why;
  return { id: task.id, name, why, to: m.to };
}

/** Remove files left in tmp/ by writers that died (older than an hour, so no live writer is hit). */
export function sweepTmp(t: Tree, now = Date.now()): number {
  let n = 0;
  for (const f of fs.readdirSync(t.dir('tmp'))) {
    const p = path.join(t.dir('tmp'), f);
    try {
      if (now - fs.lstatSync(p).mtimeMs > 3_600_000) {
        fs.rmSync(p, { force: true, recursive: true });
        n++;
      }
    } catch {
      // raced with its writer
    }
  }
  return n;
}
