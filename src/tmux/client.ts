/**
 * The one place that runs tmux. Always an argument array, never a shell string; always a
 * named server (`-L socket`), never the user's default one. Output is read through `-F`
 * formats joined with a separator that cannot occur in names (U+241E, as libtmux does).
 */
import type { ChildProcess } from 'node:child_process';
import { fail } from '../errors.js';

export const SEP = '\u241e';
const MIN_VERSION = 3.2;

// node:child_process (and with it net and dgram) is loaded on the first tmux call, not when this
// module is imported: resolving TASK_ROOT imports it, and an enqueue with --root or TASK_ROOT
// never runs tmux, so it should not pay for that at start-up.
const childProcess = () => process.getBuiltinModule('node:child_process');

/** Options of one tmux call. */
export interface RunOptions {
  /** Text for tmux's stdin (load-buffer -); empty by default. */
  input?: string;
  /** Kill tmux (SIGTERM) and fail after this many ms; no limit by default. */
  timeoutMs?: number;
}

export interface TmuxClient {
  readonly socket: string;
  /** Run `tmux -L socket ...args`; resolves to stdout, rejects with an OrcError('tmux'). */
  run(args: string[], opts?: RunOptions): Promise<string>;
  runSync(args: string[], opts?: RunOptions): string;
  /**
   * Start `tmux -L socket ...args` without waiting for it (a `wait-for` listener, a best-effort
   * signal): stdio ignored, failures reported only as the child's 'error' event or exit status.
   */
  start(args: string[]): ChildProcess;
}

export function tmuxClient(socket: string): TmuxClient {
  const argv = (args: string[]) => ['-L', socket, ...args];
  return {
    socket,
    run(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const options = { encoding: 'utf8' as const, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 };
        const child = childProcess().execFile('tmux', argv(args), options, (err, stdout, stderr) => {
          if (err) reject(tmuxError(args, err, stderr));
          else resolve(stdout);
        });
        // tmux often exits without reading stdin; an EPIPE there is not an error of the command
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(opts.input ?? '');
      });
    },
    runSync(args, opts = {}) {
      try {
        return childProcess().execFileSync('tmux', argv(args), {
          encoding: 'utf8',
          input: opts.input ?? '',
          stdio: ['pipe', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
          timeout: opts.timeoutMs ?? 0,
        });
      } catch (err) {
        throw tmuxError(args, err as Error, String((err as { stderr?: unknown }).stderr ?? ''));
      }
    },
    start(args) {
      return childProcess().spawn('tmux', argv(args), { stdio: 'ignore' });
    },
  };
}

/**
 * Run tmux on our terminal (for `attach`): stdio inherited, `$TMUX` dropped so that attaching
 * from inside another tmux works (nested). Resolves to tmux's exit status.
 */
export function tmuxInteractive(socket: string, args: string[]): number {
  const env = { ...process.env };
  delete env.TMUX;
  const r = childProcess().spawnSync('tmux', ['-L', socket, ...args], { stdio: 'inherit', env });
  if (r.error) throw tmuxError(args, r.error, '');
  return r.status ?? 1;
}

function tmuxError(args: string[], err: Error, stderr: string) {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fail('tmux', 'tmux is not installed (install it: apt-get install tmux)');
  const msg = stderr.trim().split('\n')[0] || err.message;
  return fail('tmux', `tmux ${args[0]}: ${msg}`, err);
}

/** A `-F` format of these fields, joined by SEP; put free text (titles, commands) last. */
export function format(fields: readonly string[]): string {
  return fields.map((f) => `#{${f}}`).join(SEP);
}

/** Rows of `-F format(fields)` output as records keyed by field name. */
export function parseRows<K extends string>(out: string, fields: readonly K[]): Array<Record<K, string>> {
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const parts = line.split(SEP);
      const rec = {} as Record<K, string>;
      fields.forEach((f, i) => {
        rec[f] = i === fields.length - 1 ? parts.slice(i).join(SEP) : (parts[i] ?? '');
      });
      return rec;
    });
}

/** Parse `tmux -V` ("tmux 3.3a", "tmux next-3.4") into a number. */
function parseVersion(text: string): number | undefined {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? Number(`${m[1]}.${m[2]}`) : undefined;
}

/** Throw OrcError('tmux') with a clear line unless tmux >= MIN_VERSION is installed. */
export function requireTmux(): void {
  let out: string;
  try {
    out = childProcess().execFileSync('tmux', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw fail('tmux', 'tmux is not installed (install it: apt-get install tmux; tmux >= 3.2 is needed)');
  }
  const v = parseVersion(out);
  if (v === undefined || v < MIN_VERSION) throw fail('tmux', `tmux >= ${MIN_VERSION} is needed, found ${out.trim()}`);
}
