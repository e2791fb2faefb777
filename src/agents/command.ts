/** Checking that an agent's command is installed before a window is made for it. */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';

// Words that run the next word: look past them. Shell syntax we cannot judge: skip the check.
const WRAPPERS = new Set(['exec', 'env', 'command', 'nohup', 'nice', 'time', 'stdbuf']);
const OPAQUE = /[|&;()<>`$]|^\s*(cd|source|\.|if|for|while|eval)\b/;

/** The program a command line starts, or undefined when the line is shell code we do not judge. */
export function programOf(commandLine: string): string | undefined {
  if (OPAQUE.test(commandLine)) return undefined;
  const words = commandLine.trim().split(/\s+/).filter(Boolean);
  for (const w of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w.startsWith('-')) continue;
    if (WRAPPERS.has(w)) continue;
    return w.replace(/^['"]|['"]$/g, '');
  }
  return undefined;
}

/** True when `program` is an executable path or found on PATH. */
function isInstalled(program: string, envPath = process.env.PATH ?? ''): boolean {
  const executable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return executable(program);
  return envPath.split(':').some((dir) => dir !== '' && executable(path.join(dir, program)));
}

/** Throw OrcError('not-found') with a clear line when the command's program is not installed. */
export function requireInstalled(commandLine: string, cwd: string, envPath?: string): void {
  const program = programOf(commandLine);
  if (program === undefined) return;
  const p = program.includes('/') && !path.isAbsolute(program) ? path.resolve(cwd, program) : program;
  if (!isInstalled(p, envPath)) {
    throw fail('not-found', `agent command not installed: ${program} is not ${program.includes('/') ? 'an executable file' : 'on PATH'} (command: ${commandLine})`);
  }
}
