/** How to run this very CLI again (in a tmux pane, from a task, from a schedule), by absolute path. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of dist/cli.cjs (or src/cli.ts under tsx): this module is in dist/ or src/. */
export function cliPath(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), path.extname(here) === '.ts' ? 'cli.ts' : 'cli.cjs');
}

/** argv that runs `tmux-orc ...args` with the node that runs us now. */
export function selfArgv(...args: string[]): string[] {
  return [process.execPath, ...process.execArgv.filter((a) => a.startsWith('--import') || a === 'tsx'), cliPath(), ...args];
}

/** The same as one shell command line, every word quoted. */
export function selfCommand(...args: string[]): string {
  return selfArgv(...args).map(shellQuote).join(' ');
}

/** Quote a word for bash so it means exactly itself. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
