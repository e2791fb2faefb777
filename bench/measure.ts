/**
 * Measuring helpers shared by the bench and the stress run: temp dirs that are always removed,
 * child processes that are always killed (each in its own process group, so their tasks die with
 * them), wall-clock timing, medians and percentiles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(REPO, 'dist', 'cli.cjs');

/** Milliseconds, sub-millisecond precision, on the same clock as Date.now(). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

const dirs = new Set<string>();
const groups = new Set<ChildProcess>();
const cleanups: Array<() => void> = [];

/** A fresh private temp dir under os.tmpdir(), removed by `cleanupAll()` (also at exit). */
export function tempDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `orc-bench-${tag}-`));
  dirs.add(d);
  return d;
}

let deferRemoval = false;
/**
 * Keep every temp dir until `cleanupAll()` (exit) instead of removing it when a run ends. The
 * bench wants this: on an ext4 without a journal (this machine's root filesystem) the kernel
 * avoids reusing an inode for 60 s after its deletion, 360 s while its inode-table block is
 * dirty, and the inode allocator steps over every such inode, one buffer-cache lookup each, on
 * every file it creates in that block group (fs/ext4/ialloc.c, find_inode_bit/recently_deleted).
 * The next mkdtemp lands in the block group the removal just emptied, so a run that follows a
 * removed 10,000-file tree pays ~0.6 ms of kernel time per file it creates: it would time the
 * previous run's cleanup, not itself.
 */
export function keepDirsUntilExit(): void {
  deferRemoval = true;
}

export function removeDir(d: string): void {
  if (deferRemoval) return; // cleanupAll() removes it at exit
  try {
    fs.rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch {
    // a peer's daemon still writing into it: the exit cleanup tries again
    return;
  }
  dirs.delete(d);
}

/** Run this at exit even when the run fails (stop a tsp server, release nq blockers). */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

/** Start a child in its own process group; `cleanupAll()` kills the whole group. */
export function startChild(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
  groups.add(child);
  child.on('exit', () => groups.delete(child));
  return child;
}

export function killGroup(child: ChildProcess, sig: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

export interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Run to completion (killed after `timeoutMs`); `ms` is the wall time from spawn to exit. With
 * `out`, stdout goes to that file instead of through a pipe into this process.
 */
export function run(cmd: string, args: string[], o: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; detached?: boolean; out?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const out = o.out === undefined ? 'pipe' : fs.openSync(o.out, 'w', 0o600);
    const t0 = nowMs();
    const child = startChild(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: [o.input === undefined ? 'ignore' : 'pipe', out, 'pipe'], detached: o.detached ?? true });
    if (typeof out === 'number') fs.closeSync(out);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`${cmd} ${args.join(' ').slice(0, 200)}: no exit after ${o.timeoutMs ?? 300_000} ms`));
    }, o.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = nowMs() - t0;
      clearTimeout(timer);
      // Let the pipes drain before resolving.
      setImmediate(() => resolve({ code, signal, stdout, stderr, ms }));
    });
    // stdin is a pipe only when there is input: tsp and nq clients stall for seconds on an open stdin pipe.
    child.stdin?.on('error', () => {}); // a child that closes its stdin early
    child.stdin?.end(o.input);
  });
}

/** `bash -c script`, failing loudly on a non-zero exit. */
export async function sh(script: string, o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string; detached?: boolean } = {}): Promise<Ran> {
  const r = await run('bash', ['-c', script], o);
  if (r.code !== 0) throw new Error(`bash -c ${JSON.stringify(script.slice(0, 300))} exited ${r.code ?? r.signal}: ${r.stderr.slice(0, 500)}`);
  return r;
}

/** True when `bin` is on PATH. */
export function have(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => {
    try {
      fs.accessSync(path.join(d, bin), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile, p in 0..100. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `check()` is truthy; throws after `timeoutMs`. */
export async function until<T>(what: string, check: () => T, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Peak resident set size (VmHWM) of a live process, in MB; undefined when it is gone. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by this process's children that have exited (cutime and cstime of
 * /proc/self/stat, in USER_HZ = 100 ticks/s); zeros where there is no /proc. The difference
 * across one run tells how much of its wall time the child spent in the kernel.
 */
export function childCpu(): { user: number; sys: number } {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return { user: Number(f[13]) / 100, sys: Number(f[14]) / 100 };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** Kill every child group still alive, run the registered cleanups, remove every temp dir. */
export function cleanupAll(): void {
  deferRemoval = false;
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  for (const c of [...groups]) killGroup(c);
  groups.clear();
  for (const d of [...dirs]) removeDir(d);
}

let installed = false;
/** Clean up at exit and on SIGINT/SIGTERM, whatever happens. */
export function cleanupOnExit(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      cleanupAll();
      process.exit(130);
    });
  }
}
