/**
 * The tools users would pick instead, run the way their manuals say, each in a private temp dir
 * and with the system PATH only: task-spooler (`tsp`, private TS_SOCKET, output files in the temp
 * dir), nq (one NQDIR per queue), GNU parallel and the `xargs -P` floor. tsp and nq are timed
 * from the first submit of a shell loop until the last job ends (submits overlap the drain);
 * parallel and xargs have no queue: their wall time is the whole run.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { have, nowMs, onCleanup, removeDir, run, sh, tempDir, sleep } from './measure.js';
import { q } from './ours.js';

export interface Peer {
  key: 'tsp' | 'nq' | 'parallel' | 'xargs';
  name: string;
  bin: string;
  pkg?: string;
}

export const PEERS: Peer[] = [
  { key: 'tsp', name: 'task-spooler', bin: 'tsp', pkg: 'task-spooler' },
  { key: 'nq', name: 'nq', bin: 'nq', pkg: 'nq' },
  { key: 'parallel', name: 'GNU parallel', bin: 'parallel', pkg: 'parallel' },
  { key: 'xargs', name: 'xargs (floor)', bin: 'xargs' },
];

export const available = (p: Peer): boolean => have(p.bin);

/** Peers run with the system PATH only: a user's shims (pyenv, …) must not sit in their timings. */
const SYS_PATH = '/usr/local/bin:/usr/bin:/bin';
const peerEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: process.env.HOME, LANG: 'C', PATH: SYS_PATH, ...extra });
export const installLine = (p: Peer): string => `apt-get install ${p.pkg ?? 'findutils'}`;

/** A shell snippet that blocks until the file `go` exists. */
/** Ends when `go` exists or its directory is gone (so a failed run never leaves it spinning). */
const blocker = (go: string) => `while [ ! -e ${q(go)} ] && [ -d ${q(path.dirname(go))} ]; do sleep 0.002; done`;

/**
 * task-spooler with `slots` slots, `n` copies of `argv` submitted one by one from a shell loop
 * (tsp runs argv itself, no shell); the clock runs from the first submit until the list shows
 * every job finished. Not warm: its server holds one connection per queued job and stalls new
 * ones near 1,000 queued, so 1,000 jobs cannot be held back behind blockers.
 */
export async function tspDrain(n: number, argv: string, slots: number): Promise<number> {
  const dir = tempDir('tsp');
  const env = peerEnv({ TS_SOCKET: path.join(dir, 'socket'), TMPDIR: dir, TS_MAXFINISHED: String(n + 100), TS_SLOTS: String(slots) });
  onCleanup(() => execQuiet('tsp', ['-K'], env));
  try {
    await sh(`exec </dev/null; tsp -S ${slots} >/dev/null 2>&1`, { env });
    const t0 = nowMs();
    await sh(`exec </dev/null; i=0; while [ $i -lt ${n} ]; do tsp ${argv} >/dev/null 2>&1 || exit 1; i=$((i+1)); done`, { env, timeoutMs: 300_000 });
    let states: string[] = [];
    for (;;) {
      states = await tspStates(env);
      if (states.length >= n && states.every((st) => st === 'finished')) break;
      await sleep(5);
    }
    const t1 = nowMs();
    if (states.length !== n) throw new Error(`tsp: ${states.length} of ${n} jobs listed`);
    return n / ((t1 - t0) / 1000);
  } finally {
    execQuiet('tsp', ['-K'], env);
    removeDir(dir);
  }
}

/** The state of every job in `tsp -l` (a list request can stall on a busy server: retried). */
async function tspStates(env: NodeJS.ProcessEnv): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await run('tsp', ['-l'], { env, timeoutMs: 5000 });
      return r.stdout.split('\n').slice(1).map((l) => /^\d+\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

function execQuiet(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  try {
    execFileSync(cmd, args, { env, stdio: 'ignore', timeout: 5000 });
  } catch {
    // already gone
  }
}

/**
 * nq over `queues` queue dirs (NQDIR each): `n` jobs submitted round-robin from a shell loop,
 * the clock from the first submit until `nq -w` returns in every dir.
 */
export async function nqDrain(n: number, argv: string, queues: number): Promise<number> {
  const dir = tempDir('nq');
  try {
    const qs = Array.from({ length: queues }, (_, i) => path.join(dir, `q${i}`));
    qs.forEach((d) => fs.mkdirSync(d));
    const t0 = nowMs();
    await sh(`exec </dev/null; i=0; while [ $i -lt ${n} ]; do NQDIR=${q(dir)}/q$((i % ${queues})) nq -q ${argv} >/dev/null 2>&1 || exit 1; i=$((i+1)); done
      ${qs.map((d) => `NQDIR=${q(d)} nq -w >/dev/null 2>&1`).join('\n')}`, { env: peerEnv(), timeoutMs: 300_000 });
    const t1 = nowMs();
    const jobs = qs.reduce((s, d) => s + fs.readdirSync(d).filter((f) => f.startsWith(',')).length, 0);
    if (jobs !== n) throw new Error(`nq: ${jobs} of ${n} job files`);
    return n / ((t1 - t0) / 1000);
  } finally {
    removeDir(dir);
  }
}

/** `parallel -jN` over `n` copies of `argv` (wall time of the whole run, perl start-up included). */
export async function parallelDrain(n: number, argv: string, jobs: number): Promise<number> {
  const dir = tempDir('par');
  try {
    const r = await sh(`seq ${n} | parallel --will-cite -j${jobs} -N0 ${argv}`, { env: peerEnv({ HOME: dir }), timeoutMs: 600_000 });
    return n / (r.ms / 1000);
  } finally {
    removeDir(dir);
  }
}

/** The floor: `xargs -PN` forking `argv` once per input line. */
export async function xargsDrain(n: number, argv: string, procs: number): Promise<number> {
  const r = await sh(argv === 'true' ? `seq ${n} | xargs -P${procs} -n1 true` : `seq ${n} | xargs -P${procs} -I{} ${argv}`, { env: peerEnv(), timeoutMs: 600_000 });
  return n / (r.ms / 1000);
}

/** `count` single submissions from a shell loop, with the one slot held by a blocker. */
export async function tspSubmits(count: number): Promise<number> {
  const dir = tempDir('tsps');
  const env = peerEnv({ TS_SOCKET: path.join(dir, 'socket'), TMPDIR: dir, TS_MAXFINISHED: String(count + 100) });
  const go = path.join(dir, 'go');
  onCleanup(() => execQuiet('tsp', ['-K'], env));
  try {
    await sh(`exec </dev/null; tsp -S 1 >/dev/null 2>&1 && tsp sh -c ${q(blocker(go))} >/dev/null 2>&1`, { env });
    const r = await sh(`exec </dev/null; i=0; while [ $i -lt ${count} ]; do tsp true >/dev/null 2>&1 || exit 1; i=$((i+1)); done`, { env });
    return count / (r.ms / 1000);
  } finally {
    fs.writeFileSync(go, '');
    execQuiet('tsp', ['-K'], env);
    removeDir(dir);
  }
}

export async function nqSubmits(count: number): Promise<number> {
  const dir = tempDir('nqs');
  const go = path.join(dir, 'go');
  onCleanup(() => fs.writeFileSync(go, ''));
  try {
    const env = peerEnv({ NQDIR: dir });
    await sh(`nq -q sh -c ${q(blocker(go))} >/dev/null`, { env });
    const r = await sh(`i=0; while [ $i -lt ${count} ]; do nq -q true >/dev/null || exit 1; i=$((i+1)); done`, { env });
    fs.writeFileSync(go, '');
    await sh('nq -w >/dev/null', { env, timeoutMs: 120_000 });
    return count / (r.ms / 1000);
  } finally {
    fs.writeFileSync(go, '');
    removeDir(dir);
  }
}
