/** What every task command needs from its arguments: the resolved task tree, checked. */
import { existingRoot } from '../root.js';
import { checkSafe, tree, type Tree } from '../queue/tree.js';

/**
 * The tree as DESIGN section 2 finds it (`--root`, `$TASK_ROOT`, the pane's session, walking up),
 * which must exist (exit 3 otherwise, naming where it looked) and pass the trust check (exit 5).
 */
export function treeFrom(argv: { root?: string }): Tree {
  const t = tree(existingRoot({ root: argv.root }).root);
  checkSafe(t);
  return t;
}
