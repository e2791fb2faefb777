/** The local spools of Redis workers: a private tree each, under the system's temp directory. */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createTree } from '../queue/create.js';
import { logPath, readTaskText, taskPath, tree, type Tree } from '../queue/tree.js';
import type { Claim } from '../store/worker-store.js';
import { hostName } from './workers.js';

/**
 * The spool of this worker of queue `queue`: `dir`, or a private directory under the system's
 * temp directory, where the spools of this queue's dead workers on this host are removed first.
 */
export function openSpool(queue: string, dir?: string): Tree {
  const spool = tree(dir ?? path.join(os.tmpdir(), `tmux-orc-${process.getuid?.() ?? 'u'}`, 'spool', `${queue}.${hostName()}.${process.pid}`));
  fs.mkdirSync(path.dirname(spool.root), { recursive: true, mode: 0o700 });
  if (dir === undefined) removeDeadSpools(path.dirname(spool.root), `${queue}.${hostName()}.`);
  createTree(spool);
  return spool;
}

/** The text of a held task's local record, as its launcher left it (undefined when it is gone). */
export function localText(spool: Tree, claim: Claim): string | undefined {
  const t = readTaskText(taskPath(spool, 'running', claim.name));
  return typeof t === 'string' ? t : undefined;
}

/** Remove a task's local record and logs once it is settled, lost or given back. */
export function dropLocal(spool: Tree, claim: Claim): void {
  unlink(taskPath(spool, 'running', claim.name));
  // Its logs were shipped (or, lost, are not to be): a later run of the task here (a retry, the
  // next of a recurring one) starts from nothing, not shipping this run's output again.
  for (const s of ['out', 'err'] as const) unlink(logPath(spool, claim.task.id, s));
  // The launcher's lock on the local file is not released here: the spool is this worker's
  // alone, and its next claim releases it (a message less per task).
}

/** Remove a file of the spool, gone or not (fs.rmSync does more, per call, than a drain can spare). */
function unlink(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // not there: nothing to remove
  }
}

/**
 * The spools of this queue's workers on this host that died without closing (SIGKILL, a crash):
 * removed, with the task and logs they held, when the next worker starts (the job went back to
 * the queue as a stalled job; nothing here is wanted).
 */
function removeDeadSpools(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^[1-9]\d*$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}
