/** The one place errors become output: one line on stderr and a documented exit code. */
import { describe, EXIT, exitCodeFor } from '../errors.js';
import { resolvedRoot } from '../root.js';
import { plainErrno } from './errno.js';

export function report(err: unknown, argv: string[]): number {
  // A system error (EACCES, ENOENT, ...) is put in words, naming the path and the tree.
  const e = plainErrno(err, resolvedRoot()) ?? err;
  const code = exitCodeFor(e);
  let line = describe(e);
  if (code === EXIT.usage && !line.includes('--help')) {
    line += ` (see tmux-orc ${argv[0] && !argv[0].startsWith('-') ? `${argv[0]} ` : ''}--help)`;
  }
  process.stderr.write(`tmux-orc: ${line}\n`);
  return code;
}
