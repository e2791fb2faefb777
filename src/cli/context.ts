/** What every command needs from its arguments: the resolved task tree. */
import { resolveRoot } from '../root.js';
import { tree, type Tree } from '../queue/tree.js';

/** The global `--root` option, resolved the one documented way (DESIGN section 2). */
export function treeFrom(argv: { root?: string }): Tree {
  return tree(resolveRoot({ root: argv.root }).root);
}
