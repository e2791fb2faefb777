/**
 * The lock that `tasks-retry`, `tasks-clean` and `tasks-rm` share: a retry brings a finished task
 * back to life under the same ID, and clean and rm must not remove that ID's logs, so each takes
 * its decisions and acts under this lock. (All are rare operations.)
 */
import path from 'node:path';
import { withLock } from '../persist/lock.js';
import type { Tree } from './tree.js';

export function withFinishedLock<T>(t: Tree, fn: () => T): Promise<T> {
  return withLock(path.join(t.root, 'finished.lock'), fn, { staleMs: 10_000, waitMs: 60_000 });
}
