/** The one place errors become output: one line on stderr and a documented exit code. */
import { describe, EXIT, exitCodeFor } from '../errors.js';

export function report(err: unknown, argv: string[]): number {
  const code = exitCodeFor(err);
  let line = describe(err);
  if (code === EXIT.usage && !line.includes('--help')) {
    line += ` (see tmux-orc ${argv[0] && !argv[0].startsWith('-') ? `${argv[0]} ` : ''}--help)`;
  }
  process.stderr.write(`tmux-orc: ${line}\n`);
  return code;
}
