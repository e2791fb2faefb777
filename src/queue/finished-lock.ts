/**
 * The lock that `tasks-retry` and `tasks-clean` share: a retry brings a finished task back to
 * life under the same ID, and clean must not remove that ID's logs, so each takes its decisions
 * and acts under this lock. (Both are rare, whole-tree operations.)
 */
import path from 'node:path';
import type { Tree } from './tree.js';

export async function withFinishedLock<T>(t: Tree, fn: () => T): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile'); // rare: loaded only when needed
  const release = await lockfile.lock(t.root, {
    lockfilePath: path.join(t.root, 'finished.lock'),
    retries: { retries: 100, minTimeout: 10, maxTimeout: 200 },
    onCompromised: () => {},
  });
  try {
    return fn();
  } finally {
    await release();
  }
}
