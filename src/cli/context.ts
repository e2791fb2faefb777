/** What every task command needs from its arguments: the resolved task tree, checked, and the store over it. */
import fs from 'node:fs';
import { existingRoot } from '../root.js';
import { DIRS, tree, type Tree } from '../queue/tree.js';
import { checkSafe } from '../queue/trust.js';
import { treeStore } from '../queue/store.js';
import type { Store } from '../store/store.js';

/**
 * The tree as DESIGN section 2 finds it (`--root`, `$TASK_ROOT`, the pane's session, walking up),
 * which must exist (exit 3 otherwise, naming where it looked) and pass the trust check (exit 5).
 */
export function treeFrom(argv: { root?: string }): Tree {
  const t = tree(existingRoot({ root: argv.root }).root);
  // A directory of the tree this user cannot use fails here, in words (src/cli/errno.ts), not
  // halfway through a command or after a worker said "ready".
  for (const p of [t.root, ...DIRS.map((d) => t.dir(d))]) {
    try {
      fs.accessSync(p, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  addMissingDirs(t);
  checkSafe(t);
  return t;
}

/** The store the commands use: the tree. */
export function storeFrom(argv: { root?: string }): Store {
  return treeStore(treeFrom(argv));
}

/**
 * A tree made by an earlier version lacks the directories added since (cancels/): they are made
 * here, in a root of our own only; a tree that is someone else's is refused by checkSafe instead.
 */
function addMissingDirs(t: Tree): void {
  if (fs.statSync(t.root).uid !== process.getuid?.()) return;
  for (const d of DIRS) {
    try {
      fs.mkdirSync(t.dir(d), { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
