/**
 * `tasks-rm`: remove a finished task (done/ or failed/) and its logs. A queued, held or running
 * task is refused (cancel it first). Under the lock retry and clean take, so a task retried
 * meanwhile is not removed from under its new run.
 */
import fs from 'node:fs';
import { withFinishedLock } from './finished-lock.js';
import { find, logPath, type Tree } from './tree.js';
import { fail } from '../errors.js';

export function removeTask(t: Tree, id: string): Promise<void> {
  return withFinishedLock(t, () => {
    const f = find(t, id);
    if (!f) throw fail('not-found', `no task ${id} in ${t.root}`);
    if (f.dir !== 'done' && f.dir !== 'failed') {
      throw fail('conflict', `task ${id} is ${f.dir === 'queue' ? 'queued' : f.dir}; only finished tasks can be removed (cancel it first: tmux-orc tasks-cancel ${id})`);
    }
    fs.rmSync(f.file, { force: true });
    for (const s of ['out', 'err', 'hook'] as const) fs.rmSync(logPath(t, id, s), { force: true });
  });
}
