/**
 * tmux-orc's side of each bench scenario, always through the built CLI (dist/cli.cjs) or its shell
 * front end (bin/tmux-orc) as a user would run it, except the latency probe, which enqueues
 * in-process to time the enqueue itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { childCpu, CLI, killGroup, nowMs, peakRssMb, REPO, run, sh, sleep, startChild, tempDir, until, removeDir, percentile } from './measure.js';
import { enqueue } from '../src/queue/enqueue.js';
import { ensureTree, readTask, tree } from '../src/queue/tree.js';

const NODE = process.execPath;
/** The shell front end (package.json's bin): plain enqueues without Node, the rest through it. */
const BIN = path.join(REPO, 'bin', 'tmux-orc');

/** A worker process and what its pane output says. */
export interface Worker {
  child: ChildProcess;
  ready: () => boolean;
  done: () => number;
  exited: Promise<void>;
  peakMb: () => number | undefined;
}

/**
 * A worker whose pane is a file next to its tree, read only when asked (ready(), done()): the
 * bench must not spend CPU on the workers' output while they run, which no peer's output costs
 * it (task-spooler and nq write theirs to files, xargs and parallel print nothing for `true`).
 * Read through a pipe, every task's line woke the bench process on the same two cores.
 */
let started = 0;
export function startWorker(root: string, id: string, extra: string[] = []): Worker {
  const pane = `${root}.worker-${id}.${++started}.out`; // a restarted worker gets a new one
  const fd = fs.openSync(pane, 'wx', 0o600);
  const child = startChild(NODE, [CLI, 'worker', '--root', root, '--id', id, ...extra], { env: benchEnv(), stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  let ready = false;
  let done = 0;
  const lines = paneReader(pane);
  const read = () => {
    for (const l of lines()) {
      if (l.includes(' done ')) done++;
      else if (!ready && l.includes(' ready on ')) ready = true;
    }
  };
  let peak: number | undefined;
  // VmHWM is a high-water mark: reading it now and then (and on demand) loses nothing but the
  // last moments of a worker that has exited.
  const sampler = setInterval(() => (peak = peakRssMb(child.pid!) ?? peak), 250).unref();
  const exited = new Promise<void>((r) => child.on('exit', () => (clearInterval(sampler), r())));
  return { child, ready: () => (read(), ready), done: () => (read(), done), exited, peakMb: () => peakRssMb(child.pid!) ?? peak };
}

/** The whole lines added to `file` since the last call. */
function paneReader(file: string): () => string[] {
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(1 << 16);
  let pos = 0;
  let tail = '';
  return () => {
    const fd = fs.openSync(file, 'r');
    try {
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) tail += decoder.write(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    return lines;
  };
}

/** The environment for our CLI: no tmux lookups, no colours. */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TMUX_SOCKET: `orc-bench-${process.pid}`, ...extra };
  delete env.TMUX;
  delete env.TASK_ROOT;
  return env;
}

async function bulk(root: string, lines: string[], extra: string[] = []): Promise<number> {
  const r = await run(NODE, [CLI, 'tasks-enqueue', '--root', root, '--stdin', ...extra], { input: `${lines.join('\n')}\n`, env: benchEnv() });
  if (r.code !== 0) throw new Error(`bulk enqueue failed: ${r.stderr}`);
  return r.ms;
}

/**
 * Drain `n` copies of `cmd` with `workers` warm workers: the tasks are queued with a start time
 * a little in the future, the workers are started and become ready, and the clock runs from that
 * start time until the last task finished (the latest FINISHED record, read once the workers have
 * exited: --until-empty). Returns tasks/s.
 */
export async function drain(n: number, cmd: string, workers: number, group?: number): Promise<number> {
  const dir = tempDir('drain');
  try {
    for (let lead = 3000; ; lead *= 2) {
      const gate = Date.now() + lead;
      // A retry uses a new tree rather than deleting the last one (see keepDirsUntilExit).
      const root = path.join(dir, `tasks-${lead}`);
      ensureTree(tree(root)); // only tasks-init and init create a tree
      // `group`: every task in one group of that limit (issue 18's scenario 7).
      if (group !== undefined) await run(NODE, [CLI, 'group', 'set', 'g', '--parallel', String(group), '--root', root], { env: benchEnv() });
      await bulk(root, Array(n).fill(cmd), ['--at', `@${gate / 1000}`, ...(group === undefined ? [] : ['--group', 'g'])]);
      const ws = Array.from({ length: workers }, (_, i) => startWorker(root, String(i), ['--until-empty']));
      let readyInTime = true;
      try {
        await until('workers ready', () => ws.every((w) => w.ready()), lead + 30_000);
      } catch {
        readyInTime = false;
      }
      if (Date.now() >= gate) readyInTime = false;
      let guard: NodeJS.Timeout | undefined; // cleared, or it would keep the bench alive 10 min after the last drain
      await Promise.race([Promise.all(ws.map((w) => w.exited)), new Promise<void>((r) => (guard = setTimeout(r, Math.max(0, gate - Date.now()) + 600_000)))]);
      clearTimeout(guard);
      ws.forEach((w) => killGroup(w.child));
      const done = fs.readdirSync(path.join(root, 'done'));
      if (done.length !== n) throw new Error(`drain: ${done.length} of ${n} tasks in done/`);
      const end = Math.max(...done.map((f) => {
        const r = readTask(path.join(root, 'done', f));
        return r?.ok && r.task.finished !== undefined ? r.task.finished : NaN;
      }));
      if (!Number.isFinite(end)) throw new Error('drain: a task in done/ without a FINISHED record');
      if (readyInTime) return n / ((end - gate) / 1000);
      if (lead > 30_000) throw new Error('drain: workers never became ready before the gate');
    }
  } finally {
    removeDir(dir);
  }
}

/** `count` single `tasks-enqueue` invocations from one shell loop; tasks/s. */
export async function singleEnqueues(count: number): Promise<number> {
  const dir = tempDir('enq');
  try {
    const root = path.join(dir, 'tasks');
    ensureTree(tree(root)); // only tasks-init and init create a tree
    await sh(`${q(NODE)} ${q(CLI)} tasks-init --root ${q(root)} >/dev/null`, { env: benchEnv() });
    const r = await sh(`i=0; while [ $i -lt ${count} ]; do ${q(NODE)} ${q(CLI)} tasks-enqueue --root ${q(root)} -- true >/dev/null || exit 1; i=$((i+1)); done`, { env: benchEnv() });
    const queued = fs.readdirSync(path.join(root, 'queue')).length;
    if (queued !== count) throw new Error(`single enqueue: ${queued} of ${count} queued`);
    return count / (r.ms / 1000);
  } finally {
    removeDir(dir);
  }
}

/**
 * `count` single enqueues from a bash loop through bin/tmux-orc, the command users run, as typed
 * (`tmux-orc tasks-enqueue -- true`, the tree found walking up from the current directory); tasks/s.
 * One enqueue first says which path it took: the figure is the shell front end's, never Node's.
 */
export async function frontEnqueues(count: number): Promise<number> {
  const dir = tempDir('front');
  try {
    const root = path.join(dir, 'var', 'tmux', 'agents', 'tasks');
    ensureTree(tree(root)); // only tasks-init and init create a tree
    const env = benchEnv({ TMUX_SESSION: 'agents' });
    const probe = await run(BIN, ['tasks-enqueue', '--', 'true'], { cwd: dir, env: { ...env, TMUX_ORC_FAST_DEBUG: '1' } });
    if (probe.code !== 0 || !probe.stderr.includes('fast path')) throw new Error(`bin/tmux-orc did not take the fast path: ${probe.stderr}`);
    const r = await sh(`i=0; while [ $i -lt ${count} ]; do ${q(BIN)} tasks-enqueue -- true >/dev/null || exit 1; i=$((i+1)); done`, { cwd: dir, env });
    const queued = fs.readdirSync(path.join(root, 'queue')).length;
    if (queued !== count + 1) throw new Error(`bin/tmux-orc enqueue: ${queued - 1} of ${count} queued`);
    return count / (r.ms / 1000);
  } finally {
    removeDir(dir);
  }
}

/** One bulk `tasks-enqueue --stdin` of `count` commands: tasks/s, and the CPU seconds the process spent in the kernel. */
export async function bulkEnqueue(count: number): Promise<{ rate: number; sys: number }> {
  const dir = tempDir('bulk');
  try {
    const root = path.join(dir, 'tasks');
    ensureTree(tree(root)); // only tasks-init and init create a tree
    const cpu0 = childCpu();
    const ms = await bulk(root, Array(count).fill('true'));
    const sys = childCpu().sys - cpu0.sys;
    const queued = fs.readdirSync(path.join(root, 'queue')).length;
    if (queued !== count) throw new Error(`bulk enqueue: ${queued} of ${count} queued`);
    return { rate: count / (ms / 1000), sys };
  } finally {
    removeDir(dir);
  }
}

/**
 * Enqueue → start latency with one idle worker: `samples` tasks, one at a time, each enqueued
 * (in-process, the same library call the CLI makes, fsync included) once the worker has been idle
 * for a while. Latency = the task's STARTED record minus the moment the enqueue call began.
 */
export async function latency(samples: number): Promise<{ p50: number; p95: number; all: number[] }> {
  const dir = tempDir('lat');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root)); // only tasks-init and init create a tree
  const t = tree(root);
  const w = startWorker(root, '0');
  try {
    await until('worker ready', () => w.ready(), 30_000);
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      await sleep(20 + Math.random() * 30);
      const t0 = nowMs();
      const id = await enqueue(t, { cmd: 'true', cwd: dir });
      const file = (await until(`task ${id} done`, () => fs.readdirSync(t.dir('done')).find((n) => n.includes(id)), 30_000, 2)) as string;
      const started = /^STARTED=(.*)$/m.exec(fs.readFileSync(path.join(t.dir('done'), file), 'utf8'))?.[1];
      if (!started) throw new Error(`latency: no STARTED in ${file}`);
      out.push(Date.parse(started) - t0);
    }
    return { p50: percentile(out, 50), p95: percentile(out, 95), all: out };
  } finally {
    killGroup(w.child, 'SIGTERM');
    await Promise.race([w.exited, sleep(5000)]);
    killGroup(w.child);
    removeDir(dir);
  }
}

export interface Scale {
  enqueueRate: number;
  /** Each listing's time, in seconds. */
  listSamples: number[];
  startupSeconds: number;
  drainRate: number;
  drained: number;
  peakMb: number;
}

/**
 * 100,000 queued tasks: bulk enqueue them, time `tasks-list` (`listRuns` times), then run `workers` workers and
 * measure the steady drain rate over `windowMs` (from the 200th finished task on) while the
 * queue still holds nearly all of them; the workers' peak RSS is read before they stop.
 */
export async function scale(n: number, workers: number, windowMs: number, listRuns: number): Promise<Scale> {
  const dir = tempDir('scale');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root)); // only tasks-init and init create a tree
  const ws: Worker[] = [];
  try {
    const enqMs = await bulk(root, Array(n).fill('true'));
    // The enqueue's 100,000 new inodes are still being written back: let that finish first, or
    // the listing's reads wait behind it and time the enqueue, not the list.
    execFileSync('sync');
    // Its 6 MB of rows go to a file: read through a pipe by this process, on the same two cores,
    // they cost the listing ~0.4-0.8 s of waiting on a full pipe.
    const rows = path.join(dir, 'list.txt');
    const listSamples: number[] = [];
    for (let i = 0; i < listRuns; i++) {
      const list = await run(NODE, [CLI, 'tasks-list', '--root', root], { env: benchEnv(), timeoutMs: 120_000, out: rows });
      if (list.code !== 0) throw new Error(`tasks-list failed: ${list.stderr}`);
      const listed = fs.readFileSync(rows, 'utf8').split('\n').filter((l) => l.split(/\s+/)[1] === 'queue').length;
      if (listed !== n) throw new Error(`tasks-list: ${listed} of ${n} tasks listed in queue`);
      listSamples.push(list.ms / 1000);
    }
    const t0 = nowMs();
    for (let i = 0; i < workers; i++) ws.push(startWorker(root, String(i)));
    await until('workers ready', () => ws.every((w) => w.ready()), 120_000, 20);
    const startupSeconds = (nowMs() - t0) / 1000;
    const total = () => ws.reduce((s, w) => s + w.done(), 0);
    await until('200 tasks done', () => total() >= 200, 120_000, 10);
    const [a, ta] = [total(), nowMs()];
    await sleep(windowMs);
    const [b, tb] = [total(), nowMs()];
    const peakMb = Math.max(...ws.map((w) => w.peakMb() ?? 0));
    return { enqueueRate: n / (enqMs / 1000), listSamples, startupSeconds, drainRate: (b - a) / ((tb - ta) / 1000), drained: b, peakMb };
  } finally {
    ws.forEach((w) => killGroup(w.child, 'SIGTERM'));
    await Promise.race([Promise.all(ws.map((w) => w.exited)), sleep(10_000)]);
    ws.forEach((w) => killGroup(w.child));
    removeDir(dir);
  }
}

/** Wall time of one run of `node ...args` (ms). */
export async function nodeRun(args: string[], root?: string): Promise<number> {
  const r = await run(NODE, args, { env: benchEnv(root ? { TASK_ROOT: root } : {}) });
  if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.ms;
}

export const cliArgs = (...a: string[]): string[] => [CLI, ...a];

export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
