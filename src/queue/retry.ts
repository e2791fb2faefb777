/** `tasks-retry`: a failed task goes back to the queue with a fresh attempt; its logs are kept. */
import fs from 'node:fs';
import { retried } from './lifecycle.js';
import { apply } from './transitions.js';
import { find, readTask, type Tree } from './tree.js';
import { fail } from '../errors.js';

export function retry(t: Tree, id: string): void {
  const f = find(t, id);
  if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
  if (f.dir !== 'failed') throw fail('conflict', `task ${id} is in ${f.dir}/, not failed/; only failed tasks can be retried`);
  const r = readTask(f.file);
  if (!r?.ok) throw fail('conflict', `task ${id} cannot be retried: ${r?.ok === false ? r.reason : 'it is gone'}`);
  if (!apply(t, 'failed', f.name, r.task, retried(r.task, Date.now()))) throw fail('conflict', `task ${id} moved while retrying; look again`);
}

/** Retry every failed task that is a valid task file; returns the IDs retried. */
export function retryAllFailed(t: Tree): string[] {
  const ids: string[] = [];
  for (const name of fs.readdirSync(t.dir('failed'))) {
    const r = readTask(`${t.dir('failed')}/${name}`);
    if (r?.ok && apply(t, 'failed', name, r.task, retried(r.task, Date.now()))) ids.push(r.task.id);
  }
  return ids;
}
