/**
 * `tmux-orc lock NAME [--timeout DUR] [--shared] -- CMD...` (issue 18): run CMD holding the named
 * lock, the same lock tasks with `--lock NAME` hold. Node cannot flock(2), so a small Perl program
 * (lock-holder.pl) takes the lock and then execs CMD with the lock's descriptor open: the lock
 * lives exactly as long as CMD and what it starts, whatever kills them.
 */
import fs from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { fail } from '../errors.js';
import { formatDuration } from '../time.js';
import { chooseLauncher } from '../worker/choose-launcher.js';
import { lockFile, lockHolderPids } from './named-locks.js';
import type { Tree } from './tree.js';

export interface LockRunOptions {
  /** Give up (OrcError 'timeout', exit 7) when the lock was not had in this long; undefined: wait as long as it takes. */
  timeoutMs?: number;
  /** Share the lock with other shared holders (readers); the default is exclusive. */
  shared?: boolean;
  env?: NodeJS.ProcessEnv;
}

let program: string | undefined;
const holderProgram = () => (program ??= fs.readFileSync(new URL('./lock-holder.pl', import.meta.url), 'utf8'));

/** Run `words` (one: a shell command line; several: an argv) holding lock `name`; resolves to its exit code (128+N for signal N). */
export async function runLocked(t: Tree, name: string, words: string[], o: LockRunOptions = {}): Promise<number> {
  if (words.length === 0) throw fail('usage', `give a command to run holding the lock, e.g. tmux-orc lock ${name} -- make deploy`);
  const file = lockFile(t, name);
  const env = o.env ?? process.env;
  const c = fs.constants;
  const args = [file, o.shared ? 'sh' : 'ex', String(o.timeoutMs ?? -1), [c.O_NOFOLLOW, c.O_CREAT, c.O_NONBLOCK].join(','), ...words];
  const child = spawn(chooseLauncher(env).perl, ['-e', holderProgram(), ...args], { env, stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  let status = '';
  (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => (status += d));
  // The terminal's C-c and C-\ reach CMD itself (same process group): we outlive it to report its
  // exit. A SIGTERM or SIGHUP sent to us alone is passed on.
  const ignore = () => {};
  const pass = (sig: NodeJS.Signals) => child.kill(sig);
  const handlers: Array<[NodeJS.Signals, (sig: NodeJS.Signals) => void]> = [['SIGINT', ignore], ['SIGQUIT', ignore], ['SIGTERM', pass], ['SIGHUP', pass]];
  for (const [sig, fn] of handlers) process.on(sig, fn);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve([code, signal]));
    });
    const said = status.split('\n')[0];
    if (said === 'timeout') {
      const pids = lockHolderPids(t, name);
      throw fail('timeout', `lock ${name}: not had within ${formatDuration(o.timeoutMs ?? 0)}${pids.length ? ` (held by pid ${pids.join(', ')})` : ''}`);
    }
    if (said.startsWith('error ')) throw fail('failed', `lock ${name}: ${said.slice(6)}`);
    if (signal) return 128 + (os.constants.signals[signal] ?? 0);
    return code ?? 1;
  } finally {
    for (const [sig, fn] of handlers) process.off(sig, fn);
  }
}
