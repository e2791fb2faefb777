/**
 * The stress scenarios, sized by their caller: `npm run stress` runs them full size
 * (bench/stress.ts), `npm test` runs small versions (test/stress.test.ts). Each returns the
 * violations it found (empty when the invariants held) and a one-line summary. Correctness only:
 * nothing here asserts on timings.
 *
 * - exactlyOnce: N workers drain M tasks; every ID ran exactly once (each run appends its ID).
 * - chaos: workers are SIGKILLed at random and restarted while tasks keep coming; afterwards no
 *   task is lost and no ID ever ran twice at the same time (each run records its start and end).
 * - fuzz: junk files dropped into queue/ while workers run; all end in failed/ as invalid with
 *   a reason, the workers stay alive, and the real tasks enqueued meanwhile all finish.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { killGroup, removeDir, run, sleep, tempDir, until } from './measure.js';
import { benchEnv, startWorker, type Worker } from './ours.js';
import { CLI } from './measure.js';
import { listTasks } from '../src/queue/list.js';
import { ensureTree, tree } from '../src/queue/tree.js';

export interface Outcome {
  name: string;
  violations: string[];
  summary: string;
}

const STATES = ['queue', 'running', 'done', 'failed'] as const;

async function bulk(root: string, cmds: string[]): Promise<string[]> {
  const r = await run(process.execPath, [CLI, 'tasks-enqueue', '--root', root, '--stdin'], { input: `${cmds.join('\n')}\n`, env: benchEnv(), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`bulk enqueue failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Where each ID is, from the file names; an ID in two places is reported. */
function locate(root: string): { where: Map<string, string>; dupes: string[] } {
  const where = new Map<string, string>();
  const dupes: string[] = [];
  for (const d of STATES) {
    for (const n of fs.readdirSync(path.join(root, d))) {
      const id = /^\d{4}-\d{16}-(.+)\.task$/.exec(n)?.[1] ?? n;
      if (where.has(id)) dupes.push(`${id} in ${where.get(id)}/ and ${d}/`);
      where.set(id, d);
    }
  }
  return { where, dupes };
}

async function stopAll(ws: Worker[]): Promise<void> {
  ws.forEach((w) => killGroup(w.child, 'SIGTERM'));
  await Promise.race([Promise.all(ws.map((w) => w.exited)), sleep(15_000)]);
  ws.forEach((w) => killGroup(w.child));
}

/** `workers` workers drain `tasks` tasks; each ID must appear exactly once in the run log. */
export async function exactlyOnce(o: { workers: number; tasks: number; timeoutMs?: number }): Promise<Outcome> {
  const dir = tempDir('once');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root)); // only tasks-init and init create a tree
  const log = path.join(dir, 'runs.log');
  const ws: Worker[] = [];
  try {
    const ids = await bulk(root, Array(o.tasks).fill(`echo "$TASK_ID" >> '${log}'`));
    for (let i = 0; i < o.workers; i++) ws.push(startWorker(root, String(i), ['--until-empty']));
    await Promise.race([Promise.all(ws.map((w) => w.exited)), sleep(o.timeoutMs ?? 900_000)]);
    const violations: string[] = [];
    if (ws.some((w) => w.child.exitCode === null)) violations.push('workers did not finish in time');
    const counts = new Map<string, number>();
    for (const id of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
    let missing = 0;
    let twice = 0;
    for (const id of ids) {
      const c = counts.get(id) ?? 0;
      if (c === 0) missing++;
      if (c > 1) twice++;
    }
    if (missing) violations.push(`${missing} tasks never ran`);
    if (twice) violations.push(`${twice} tasks ran more than once`);
    if (counts.size !== ids.length) violations.push(`${counts.size} distinct IDs ran, ${ids.length} enqueued`);
    const { where, dupes } = locate(root);
    violations.push(...dupes.slice(0, 5));
    const notDone = ids.filter((id) => where.get(id) !== 'done').length;
    if (notDone) violations.push(`${notDone} tasks not in done/`);
    return { name: 'exactly-once', violations, summary: `exactly-once: ${o.workers} workers, ${ids.length} tasks, ${ids.length - missing - twice} ran once` };
  } finally {
    await stopAll(ws);
    removeDir(dir);
  }
}

/**
 * For `seconds`, keep `workers` workers busy with short tasks, SIGKILL a random worker process
 * (not its task, which must then be killed by recovery before the task is requeued) every
 * `killEveryMs` and restart it. Then drain and check the start/end records of every run.
 */
export async function chaos(o: { workers: number; seconds: number; killEveryMs: number; batch: number; timeoutMs?: number }): Promise<Outcome> {
  const dir = tempDir('chaos');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root)); // only tasks-init and init create a tree
  const log = path.join(dir, 'runs.log');
  // Each run writes "S id attempt t" first and "E id attempt t" when it ends, also when it is
  // signalled (the recovery kills orphans with SIGTERM first); times from bash, no fork.
  const cmd = `trap 'echo "E $TASK_ID $TASK_ATTEMPT $EPOCHREALTIME" >> '\\''${log}'\\''' EXIT; trap 'exit 143' TERM INT; echo "S $TASK_ID $TASK_ATTEMPT $EPOCHREALTIME" >> '${log}'; sleep 0.0$((RANDOM % 5))`;
  const ws: Array<Worker | undefined> = [];
  const all: Worker[] = [];
  const spawnW = (i: number) => {
    const w = startWorker(root, String(i));
    ws[i] = w;
    all.push(w);
  };
  let kills = 0;
  try {
    const ids = await bulk(root, Array(o.batch).fill(cmd));
    for (let i = 0; i < o.workers; i++) spawnW(i);
    const end = Date.now() + o.seconds * 1000;
    let nextKill = Date.now() + o.killEveryMs;
    while (Date.now() < end) {
      if (fs.readdirSync(path.join(root, 'queue')).length < o.batch / 2) ids.push(...(await bulk(root, Array(o.batch).fill(cmd))));
      if (Date.now() >= nextKill) {
        const i = Math.floor(Math.random() * o.workers);
        const w = ws[i]!;
        if (w.child.pid !== undefined && w.child.exitCode === null) {
          process.kill(w.child.pid, 'SIGKILL'); // the worker only: its task lives on as an orphan
          kills++;
          await w.exited;
        }
        spawnW(i);
        nextKill = Date.now() + o.killEveryMs * (0.5 + Math.random());
      }
      await sleep(50);
    }
    // Drain: restarted workers recover the stale tasks at start; wait until nothing is left.
    await until('queue and running empty', () => ['queue', 'running'].every((d) => fs.readdirSync(path.join(root, d)).length === 0), o.timeoutMs ?? 300_000, 100);
    await sleep(300); // let the last orphan-killing TERM traps write their end records
    const violations = checkIntervals(fs.readFileSync(log, 'utf8'));
    const { where, dupes } = locate(root);
    violations.push(...dupes.slice(0, 5));
    const lost = ids.filter((id) => where.get(id) !== 'done' && where.get(id) !== 'failed');
    if (lost.length) violations.push(`${lost.length} tasks lost (e.g. ${lost.slice(0, 3).join(', ')})`);
    const failed = ids.filter((id) => where.get(id) === 'failed').length;
    return { name: 'chaos', violations, summary: `chaos: ${o.seconds} s, ${kills} SIGKILLs, ${ids.length} tasks (${failed} failed as stale after repeated kills), 0 lost${violations.length ? '?' : ''}` };
  } finally {
    await stopAll(all);
    removeDir(dir);
  }
}

/** Every run of an ID must end before the next one starts; every start needs an end. */
export function checkIntervals(text: string): string[] {
  const runs = new Map<string, Array<{ s?: number; e?: number; attempt: string }>>();
  for (const line of text.split('\n')) {
    const m = /^([SE]) (\S+) (\S+) ([\d.]+)$/.exec(line);
    if (!m) continue;
    const [, kind, id, attempt, t] = m;
    const list = runs.get(id) ?? [];
    runs.set(id, list);
    if (kind === 'S') list.push({ s: Number(t), attempt });
    else {
      const open = [...list].reverse().find((r) => r.attempt === attempt && r.e === undefined);
      if (open) open.e = Number(t);
      else list.push({ e: Number(t), attempt });
    }
  }
  const v: string[] = [];
  for (const [id, list] of runs) {
    const sorted = list.filter((r) => r.s !== undefined).sort((a, b) => a.s! - b.s!);
    for (const r of list) if (r.s === undefined || r.e === undefined) v.push(`${id} attempt ${r.attempt}: ${r.s === undefined ? 'end without start' : 'start without end'}`);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      if (prev.e !== undefined && prev.e > sorted[i].s!) v.push(`${id}: attempt ${prev.attempt} ran until ${prev.e}, after attempt ${sorted[i].attempt} started at ${sorted[i].s}`);
    }
  }
  return v;
}

type Junk = (file: string, i: number) => void;

const JUNK: Array<[string, Junk]> = [
  ['binary', (f) => fs.writeFileSync(f, randomBytes(64 + Math.floor(Math.random() * 4000)))],
  ['empty', (f) => fs.writeFileSync(f, '')],
  ['huge', (f) => fs.writeFileSync(f, `ID=x\nCMD=${'y'.repeat(1024 * 1024)}\n`)],
  ['keyless', (f) => fs.writeFileSync(f, 'just some words\nno keys here\n')],
  ['contradictory', (f, i) => fs.writeFileSync(f, `ID=fz${i}\nCMD=echo a\nCMD=echo b\n`)],
  ['bad-id', (f) => fs.writeFileSync(f, 'ID=../../etc/passwd\nCMD=true\n')],
  ['no-cmd', (f, i) => fs.writeFileSync(f, `ID=fz${i}\nCWD=/\n`)],
  ['bad-json', (f, i) => fs.writeFileSync(f, `ID=fz${i}\nCMD:json="unterminated\n`)],
  ['nul', (f, i) => fs.writeFileSync(f, `ID=fz${i}\nCMD=true\0\n`)],
  ['symlink-passwd', (f) => fs.symlinkSync('/etc/passwd', f)],
  ['symlink-dangling', (f) => fs.symlinkSync('/nonexistent/nowhere', f)],
  ['directory', (f) => fs.mkdirSync(f)],
  ['fifo', () => {}],
];

/**
 * Drop `files` junk files into queue/ while `workers` workers run and `real` real tasks are
 * enqueued in between; all junk must end in failed/ as invalid with a reason.
 */
export async function fuzz(o: { workers: number; files: number; real: number; timeoutMs?: number }): Promise<Outcome> {
  const dir = tempDir('fuzz');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root)); // only tasks-init and init create a tree
  const stage = path.join(dir, 'stage');
  const ws: Worker[] = [];
  try {
    await run(process.execPath, [CLI, 'tasks-init', '--root', root], { env: benchEnv() });
    fs.mkdirSync(stage);
    for (let i = 0; i < o.workers; i++) ws.push(startWorker(root, String(i)));
    await until('workers ready', () => ws.every((w) => w.ready()), 60_000, 20);
    const junkNames: string[] = [];
    const realIds: string[] = [];
    const perBatch = Math.max(1, Math.floor(o.files / 10));
    for (let i = 0; i < o.files; i++) {
      const [kind, make] = JUNK[i % JUNK.length];
      const style = i % 4;
      const name = style === 0 ? `0000-${String(i).padStart(16, '0')}-fz${i}.task` : style === 1 ? `${Date.now()}_abc_fz${i}.task` : style === 2 ? `junk-${kind}-${i}` : `.hidden-${i}.task`;
      const staged = path.join(stage, name);
      make(staged, i);
      if (kind === 'fifo') execMkfifo(staged); // a reader must never block on it
      fs.renameSync(staged, path.join(root, 'queue', name));
      junkNames.push(name);
      if (i % perBatch === perBatch - 1) realIds.push(...(await bulk(root, Array(Math.ceil(o.real / 10)).fill('true'))));
    }
    await until('queue and running empty', () => ['queue', 'running'].every((d) => fs.readdirSync(path.join(root, d)).length === 0), o.timeoutMs ?? 300_000, 100);
    const violations: string[] = [];
    const failedNames = new Set(fs.readdirSync(path.join(root, 'failed')));
    const notFailed = junkNames.filter((n) => !failedNames.has(n));
    if (notFailed.length) violations.push(`${notFailed.length} junk files not in failed/ (e.g. ${notFailed.slice(0, 3).join(', ')})`);
    const rows = listTasks(tree(root), 'failed');
    const noReason = rows.filter((r) => junkNames.includes(path.basename(r.file)) && !(r.status === 'invalid' && r.reason));
    if (noReason.length) violations.push(`${noReason.length} junk files in failed/ without an invalid reason (e.g. ${noReason[0].file}: ${noReason[0].status})`);
    const doneNames = fs.readdirSync(path.join(root, 'done')).join('\n');
    const unfinished = realIds.filter((id) => !doneNames.includes(`-${id}.task`));
    if (unfinished.length) violations.push(`${unfinished.length} real tasks not done`);
    const dead = ws.filter((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead.length) violations.push(`${dead.length} workers died`);
    return { name: 'fuzz', violations, summary: `fuzz: ${junkNames.length} junk files → failed/ (invalid, with reasons), ${realIds.length} real tasks done, ${o.workers - dead.length}/${o.workers} workers alive` };
  } finally {
    await stopAll(ws);
    removeDir(dir);
  }
}

function execMkfifo(file: string): void {
  const r = spawnSync('mkfifo', ['-m', '600', file]);
  if (r.status !== 0) throw new Error(`mkfifo ${file} failed: ${r.status ?? r.signal} ${r.error?.message ?? ''} ${String(r.stderr)}`);
}
