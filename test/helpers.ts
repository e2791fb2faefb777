/**
 * Shared test helpers: a temp dir per test, the real CLI as a child process, waits with
 * timeouts (never sleeps-and-hope), and private tmux servers that are always killed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Test } from 'uvu';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(REPO, 'dist', 'cli.cjs');

/** A fresh private temp dir (0700). Removed by `cleanup()`. */
export function tempDir(prefix = 'orc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function cleanup(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/**
 * A unique tmux socket name for this test process, so that no command under test ever
 * resolves anything through the user's default `claude` server.
 */
export const TEST_SOCKET = `orc-test-${process.pid}`;

/** Environment for a CLI run: isolated socket, no colours; TASK_ROOT when a root is given. */
export function testEnv(root?: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMUX_SOCKET: TEST_SOCKET, NO_COLOR: '1', ...extra };
  delete env.TMUX;
  if (root !== undefined) env.TASK_ROOT = root;
  else delete env.TASK_ROOT;
  return env;
}

/** Run any program to completion, collecting its output; reject if it outlives the timeout. */
export function run(file: string, args: string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? testEnv(), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A program that exits without reading its input must not take the test run down (EPIPE).
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Run `tmux-orc ...args` to completion. */
export function cli(args: string[], opts: RunOptions = {}): Promise<Run> {
  return run(process.execPath, [CLI, ...args], opts);
}

/** Start a long-running `tmux-orc ...args` (a worker); `out()` is everything it printed so far (stdout and stderr), `err()` its stderr alone. */
export function start(args: string[], opts: RunOptions = {}): ChildProcess & { out: () => string; err: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: opts.env ?? testEnv(),
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collected = collect(child);
  live.add(collected);
  child.on('exit', () => live.delete(collected));
  return collected;
}

/** Give a child `out()` (its stdout and stderr so far) and `err()` (its stderr alone). */
export function collect<C extends ChildProcess>(child: C): C & { out: () => string; err: () => string } {
  const c = child as C & { out: () => string; err: () => string };
  let out = '';
  let err = '';
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => ((out += d), (err += d)));
  c.out = () => out;
  c.err = () => err;
  return c;
}

const live = new Set<ChildProcess>();
/** Kill every process started with `start` that is still alive. */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

/** Resolve when the child has exited; reject after the timeout. */
export function exited(child: ChildProcess, timeoutMs = 60000): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit in ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Poll `check` until it returns a truthy value; throw with `what` after the timeout. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 60000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Files in a task state dir (empty when missing). */
export function names(root: string, dir: string): string[] {
  try {
    return fs.readdirSync(path.join(root, dir)).sort();
  } catch {
    return [];
  }
}

// ---- private tmux servers -------------------------------------------------------------

const servers = new Set<string>();

/** A unique private tmux socket name; the server on it is killed by `killTmux` and at exit. */
export function tmuxSocket(tag = 't'): string {
  const name = `orc-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  servers.add(name);
  return name;
}

export function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function killTmux(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  const sock = path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid!()}`, socket);
  fs.rmSync(sock, { force: true });
  servers.delete(socket);
}

process.on('exit', () => {
  killAll();
  for (const s of [...servers]) killTmux(s);
});
// Stopped by the test runner (a file over its time) or by C-c: the cleanup above still runs.
process.on('SIGTERM', () => process.exit(143));
process.on('SIGINT', () => process.exit(130));

/** Whether perl is on PATH: a worker needs it (its launcher), so tests that run workers skip without it. */
export const HAVE_PERL = (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, 'perl')));

/**
 * A suite whose tests run workers: without perl each is registered as skipped, the reason said
 * once, so the run counts them instead of failing them all.
 */
export function needingPerl<T>(s: Test<T>, name: string): Test<T> {
  if (HAVE_PERL) return s;
  console.log(`  skip: ${name} — needs perl (the worker's launcher), not found on PATH`);
  return Object.assign(((n: string, fn: Parameters<Test<T>>[1]) => s.skip(n, fn)) as Test<T>, s);
}
