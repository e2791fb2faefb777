/** Waiting for a task to finish (`tasks-enqueue --wait`). */
import os from 'node:os';
import { find, readTask, type Tree } from './tree.js';
import { fail } from '../errors.js';

/** Resolves with the task's exit code once it is in done/ or failed/: 128+n for a signal, 1 for others. */
export async function waitForEnd(t: Tree, id: string, pollMs = 50): Promise<number> {
  for (;;) {
    const f = find(t, id);
    if (!f) throw fail('not-found', `task ${id} disappeared from ${t.root}`);
    if (f.dir === 'done') return 0;
    if (f.dir === 'failed') {
      const r = readTask(f.file);
      if (r?.ok && r.task.exit !== undefined) return r.task.exit || 1;
      if (r?.ok && r.task.signal) return 128 + (os.constants.signals[r.task.signal as NodeJS.Signals] ?? 0);
      return 1;
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
}
