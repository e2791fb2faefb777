/**
 * Creating a task tree (`tasks-init`, `init`): the only way a tree comes to be. An existing
 * directory is taken over only when it is the user's own, and is made private (0700) with every
 * directory in it, so a tree made by hand or by an older version meets the trust check.
 */
import fs from 'node:fs';
import { fail, isErrno } from '../errors.js';
import { DIRS, ensureTree, type Tree } from './tree.js';
import { checkSafe } from './trust.js';

/** Create `t` or make an existing one private; throws OrcError('unsafe-tree') for another user's directory. */
export function createTree(t: Tree): void {
  // Parent first: a directory of ours left at mode 000 is made usable before its children are looked at.
  for (const p of [t.root, ...DIRS.map((d) => t.dir(d))]) {
    const st = statOrUndefined(p);
    if (!st) continue;
    if (!st.isDirectory()) throw fail('not-found', `task tree (${p}): not a directory; pick another --root or move the file away`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw fail('unsafe-tree', `task tree (${p}): owned by uid ${st.uid}, not by you (uid ${uid}); refusing to take it over (use a directory of your own, or chown it)`);
    }
    if ((st.mode & 0o7777) !== 0o700) fs.chmodSync(p, 0o700);
  }
  ensureTree(t);
  checkSafe(t);
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}
