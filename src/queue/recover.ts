/**
 * Stale recovery: a running task whose worker is gone goes back to the queue (or to failed/
 * when its retries are spent), after whatever is left of its process group has been killed.
 * Recoverers take one global lock and judge each task again under it, so two of them racing
 * never requeue a task twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cancelled, stale as staleMove } from './lifecycle.js';
import { apply } from './transitions.js';
import { HOST, isAlive, killOrphans } from '../persist/proc.js';
import { listNames, move, readTask, taskPath, type Tree } from './tree.js';
import { LEASE_MS } from './workers.js';

/** A running file with no owner record yet is a claim in progress for this long. */
export const CLAIM_GRACE_MS = 30_000;

export interface StaleTask {
  id: string;
  name: string;
  why: string;
}

/** Why the running task file `name` is stale, or undefined when its run may still be going. */
export function staleReason(t: Tree, name: string, now = Date.now()): string | undefined {
  const file = taskPath(t, 'running', name);
  const r = readTask(file);
  if (!r) return undefined;
  let changed: number;
  try {
    changed = fs.statSync(file).ctimeMs;
  } catch {
    return undefined;
  }
  const claimWindowOver = now - changed > CLAIM_GRACE_MS;
  if (!r.ok) return claimWindowOver ? r.reason : undefined;
  const owner = r.task.owner;
  if (!owner) return claimWindowOver ? 'claimed but never started (its worker died while claiming)' : undefined;
  if (owner.host === HOST) {
    return isAlive(owner.pid, owner.pidStart) ? undefined : `worker ${owner.worker} (pid ${owner.pid}) is gone`;
  }
  let beat = 0;
  try {
    beat = fs.statSync(path.join(t.dir('workers'), `${owner.host}.${owner.worker}`)).mtimeMs;
  } catch {
    // no registry entry: only the lease on the task's start protects it
    beat = owner.started;
  }
  return now - beat > LEASE_MS ? `worker ${owner.worker} on ${owner.host} missed its heartbeat lease` : undefined;
}

/** Running tasks that are stale now (changes nothing). */
export function findStale(t: Tree, now = Date.now()): StaleTask[] {
  const out: StaleTask[] = [];
  for (const name of listNames(t, 'running')) {
    const why = staleReason(t, name, now);
    if (!why) continue;
    const r = readTask(taskPath(t, 'running', name));
    out.push({ id: r?.ok ? r.task.id : (r?.id ?? name), name, why });
  }
  return out;
}

/** Recover every stale task; returns what was recovered and where it went. */
export async function recoverStale(t: Tree): Promise<Array<StaleTask & { to: string }>> {
  if (findStale(t).length === 0) return [];
  // Loaded only when there is something to recover: it patches fs (graceful-fs) and a worker
  // that never needs it should not carry it.
  const { default: lockfile } = await import('proper-lockfile');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(t.root, {
      lockfilePath: path.join(t.root, 'recover.lock'),
      retries: { retries: 20, minTimeout: 20, maxTimeout: 200 },
      onCompromised: () => {},
    });
  } catch {
    return []; // another recoverer holds the lock; it will do the work
  }
  const done: Array<StaleTask & { to: string }> = [];
  try {
    for (const name of listNames(t, 'running')) {
      const why = staleReason(t, name); // judged again under the lock
      if (!why) continue;
      const r = readTask(taskPath(t, 'running', name));
      if (!r) continue;
      if (!r.ok) {
        if (move(t, 'running', name, 'failed')) done.push({ id: r.id, name, why, to: 'failed' });
        continue;
      }
      const owner = r.task.owner;
      if (owner?.host === HOST && owner.pgid && owner.pgidStart) await killOrphans(owner.pgid, owner.pgidStart);
      const m = r.task.cancelRequested ? cancelled(Date.now()) : staleMove(r.task, why, Date.now());
      if (apply(t, 'running', name, r.task, m)) done.push({ id: r.task.id, name, why, to: m.to });
    }
  } finally {
    await release();
  }
  return done;
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
