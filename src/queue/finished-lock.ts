/**
 * The lock that `tasks-retry` and `tasks-clean` share: a retry brings a finished task back to
 * life under the same ID, and clean must not remove that ID's logs, so each takes its decisions
 * and acts under this lock. (Both are rare, whole-tree operations.)
 */
import path from 'node:path';
import { withLock } from '../persist/lock.js';
import type { Tree } from './tree.js';

export function withFinishedLock<T>(t: Tree, fn: () => T): Promise<T> {
  return withLock(path.join(t.root, 'finished.lock'), fn, { staleMs: 10_000, waitMs: 60_000 });
}
