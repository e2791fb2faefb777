/** Small helpers the session commands share: the context, TASK_ROOT, and the typed text. */
import type { Argv } from 'yargs';
import { fail, OrcError } from '../../../errors.js';
import { existingRoot } from '../../../root.js';
import { sessionContext, type SessionContext } from '../../../session/context.js';

/** Settings and tmux client from the environment (checks tmux >= 3.2). */
export function context(): SessionContext {
  return sessionContext(process.env);
}

/** TASK_ROOT as every command resolves it (README "Finding the tree"); it must exist (exit 3). */
export function rootOf(argv: { root?: string }): string {
  return existingRoot({ root: argv.root }).root;
}

/**
 * For commands about the session whose tree only adds detail (`status`, `tasks-stop`): the tree
 * if one is found, else undefined (no worker registry to read). A bad --root is still an error.
 */
export function optionalRoot(argv: { root?: string }): string | undefined {
  try {
    return existingRoot({ root: argv.root }).root;
  } catch (err) {
    if (err instanceof OrcError && err.code === 'not-found' && argv.root === undefined) return undefined;
    throw err;
  }
}

/** The `--root` option. */
export function withRoot<T>(y: Argv<T>) {
  return y.option('root', { type: 'string', describe: 'task tree (default: resolved as in README "Finding the tree")' });
}

/**
 * The command text: one argument is taken as is; several (or words after `--`) are joined with
 * spaces, as the seed's script did with "$*".
 */
export function commandText(argv: { cmd?: unknown; '--'?: unknown }): string {
  const words = [...((argv.cmd as unknown[] | undefined) ?? []), ...((argv['--'] as unknown[] | undefined) ?? [])].map(String);
  if (words.length === 0) throw fail('usage', 'name the command to send, e.g. run-all "make test"');
  return words.join(' ');
}
