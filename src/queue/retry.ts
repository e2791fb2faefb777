/** `tasks-retry`: a failed task goes back to the queue with a fresh attempt; its logs are kept. */
import fs from 'node:fs';
import { retried } from './lifecycle.js';
import { withFinishedLock } from './finished-lock.js';
import { settle } from './transitions.js';
import { find, readTaskText, taskFromText, taskPath, type Tree } from './tree.js';
import { fail } from '../errors.js';

export async function retry(t: Tree, id: string): Promise<void> {
  await withFinishedLock(t, () => {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir !== 'failed') throw fail('conflict', `task ${id} is in ${f.dir}/, not failed/; only failed tasks can be retried`);
    const out = retryFile(t, f.name);
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
      if (r?.ok && retryFile(t, name) === 'moved') ids.push(r.task.id);
    }
    return ids;
  });
}

function retryFile(t: Tree, name: string): string {
  const text = readTaskText(taskPath(t, 'failed', name));
  if (text === undefined) return 'it moved meanwhile; look again';
  const r = taskFromText(text, name);
  if (!r.ok || typeof text !== 'string') return r.ok ? 'unreadable' : r.reason;
  return settle(t, 'failed', name, r.task, text, retried(r.task, Date.now()));
}
