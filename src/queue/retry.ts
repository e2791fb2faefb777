/**
 * `tasks-retry`: a failed or done task goes back to the queue with a fresh attempt; its logs are
 * kept. A task with a unique key takes it again first (refused, exit 4, while another holds it).
 */
import fs from 'node:fs';
import { retried } from './lifecycle.js';
import { withFinishedLock } from './finished-lock.js';
import { settle } from './transitions.js';
import { find, readTask, readTaskText, taskFromText, taskPath, type Tree } from './tree.js';
import { fail } from '../errors.js';
import { releaseKey, takeKey } from './unique.js';

export async function retry(t: Tree, id: string): Promise<void> {
  await withFinishedLock(t, async () => {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir !== 'failed' && f.dir !== 'done') throw fail('conflict', `task ${id} is in ${f.dir}/; only finished tasks (done or failed) can be retried`);
    const r = readTask(f.file);
    const key = r?.ok ? r.task.unique : undefined;
    if (key !== undefined) await takeKey(t, key, id);
    const out = retryFile(t, f.dir, f.name);
    if (out !== 'moved' && key !== undefined) await releaseKey(t, key, id);
    if (out !== 'moved') throw fail('conflict', `task ${id} cannot be retried: ${out}`);
  });
}

/** Retry every failed task that is a valid task file; returns the IDs retried. */
export async function retryAllFailed(t: Tree): Promise<string[]> {
  return withFinishedLock(t, () => {
    const ids: string[] = [];
    for (const name of fs.readdirSync(t.dir('failed'))) {
      const text = readTaskText(taskPath(t, 'failed', name));
      const r = text === undefined ? undefined : taskFromText(text, name);
      // A task with a unique key is retried on its own (tasks-retry ID), which takes the key again.
      if (r?.ok && r.task.unique === undefined && retryFile(t, 'failed', name) === 'moved') ids.push(r.task.id);
    }
    return ids;
  });
}

function retryFile(t: Tree, dir: 'done' | 'failed', name: string): string {
  const text = readTaskText(taskPath(t, dir, name));
  if (text === undefined) return 'it moved meanwhile; look again';
  const r = taskFromText(text, name);
  if (!r.ok || typeof text !== 'string') return r.ok ? 'unreadable' : r.reason;
  return settle(t, dir, name, r.task, text, retried(r.task, Date.now()));
}
