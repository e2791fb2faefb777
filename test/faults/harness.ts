/**
 * Fault machinery for the black-box fault tests (issue 12): throw-away users, small tmpfs
 * mounts, UTS namespaces ("another host"), strace stalls, a flock overlap detector, run counters,
 * and a suite whose teardown always kills what it started, unmounts what it mounted and removes
 * the users it made — also when a test failed.
 *
 * Nothing here imports the project's sources: the tests judge the tree and the CLI from outside,
 * so they keep working while the core is rewritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, cleanup, cli, collect, killAll, needingPerl, tempDir, testEnv, waitFor, type Run } from '../helpers.ts';

export const IS_ROOT = process.getuid?.() === 0;
export const STATES = ['queue', 'running', 'done', 'failed'] as const;
export type State = (typeof STATES)[number];

/** Small knobs the lead's core reads (ms), so no test waits a minute for a lease or a stale check. */
export const LEASE_MS = 2000;
export const STALE_CHECK_MS = 300;
export const KNOBS = { TMUX_ORC_LEASE_MS: String(LEASE_MS), TMUX_ORC_STALE_CHECK_MS: String(STALE_CHECK_MS) };

/** testEnv for a tree, with the short lease and stale check. */
export function env(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e = testEnv(root, { ...KNOBS, ...extra });
  delete e.FORCE_COLOR; // uvu sets it; with NO_COLOR, Node adds a warning line to any other warning
  return e;
}

export const has = (prog: string) => spawnSync('sh', ['-c', `command -v ${prog}`], { stdio: 'ignore' }).status === 0;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the suite ---------------------------------------------------------------------------

export interface Ctx {
  dir: string;
  root: string;
}

const procs = new Set<Tracked>();
const mounts = new Set<string>();
const users = new Set<string>();

/**
 * A suite whose tests get `dir` (a fresh temp dir) and `root` (`dir/tree`, not created). After
 * each test, pass or fail: every process it started is killed (and every process whose
 * environment names its tree: tasks, launchers, orphans), mounts are unmounted, throw-away users
 * removed, the dir deleted.
 */
export function faultSuite(name: string) {
  const s = suite<Ctx>(name);
  s.before.each((ctx) => {
    ctx.dir = tempDir('orc-fault-');
    ctx.root = path.join(ctx.dir, 'tree');
  });
  s.after.each((ctx) => teardown(ctx.dir));
  return needingPerl(s, name);
}

function teardown(dir: string): void {
  for (const p of procs) p.killTree();
  procs.clear();
  killAll();
  killByEnv(dir);
  for (const m of [...mounts]) umount(m);
  for (const u of [...users]) removeUser(u);
  // A tree made unsafe on purpose may carry odd modes/owners: rm -rf as root copes with all of it.
  try {
    cleanup(dir);
  } catch {
    spawnSync('rm', ['-rf', dir]);
  }
}

process.on('exit', () => {
  for (const p of procs) p.killTree();
  for (const m of [...mounts]) umount(m);
  for (const u of [...users]) removeUser(u);
});

/**
 * Register a test that needs root (mounts, chown, namespaces, useradd). Without root it is
 * registered as skipped, with the reason printed, so the run still counts it.
 */
export function rootTest(s: Test<Ctx>, name: string, fn: (ctx: Ctx) => Promise<void>, why = 'needs root') {
  if (IS_ROOT) s(name, fn);
  else {
    console.log(`  skip: ${name} — ${why} (running as uid ${process.getuid?.()})`);
    s.skip(name, fn);
  }
}

/** Register a test that needs a program; skipped with the reason when it is missing. */
export function needsTest(s: Test<Ctx>, name: string, progs: string[], fn: (ctx: Ctx) => Promise<void>, rootToo = false) {
  const missing = progs.filter((p) => !has(p));
  if (rootToo && !IS_ROOT) {
    console.log(`  skip: ${name} — needs root (running as uid ${process.getuid?.()})`);
    s.skip(name, fn);
  } else if (missing.length) {
    console.log(`  skip: ${name} — needs ${missing.join(', ')} (not installed)`);
    s.skip(name, fn);
  } else s(name, fn);
}

// ---- processes -----------------------------------------------------------------------------

export interface Tracked extends ChildProcess {
  out: () => string;
  err: () => string;
  /** SIGKILL this process, everything below it, and any pid added with `also`. */
  killTree: () => void;
  also: (pid: number) => void;
}

/** Spawn any program, tracked for teardown; `out()` is stdout+stderr so far, `err()` stderr. */
export function spawnTracked(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Tracked {
  const child = collect(spawn(file, args, { env: opts.env ?? testEnv(), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })) as Tracked;
  const extra = new Set<number>();
  child.also = (pid) => extra.add(pid);
  child.killTree = () => {
    const pids = [child.pid!, ...extra].filter(Boolean);
    const all = new Set<number>();
    for (const p of pids) for (const d of [p, ...descendants(p)]) all.add(d);
    // Deepest first: a tracee stopped by strace dies only once its tracer lets go of it.
    for (const p of [...all].reverse()) kill(p, 'SIGKILL');
  };
  procs.add(child);
  return child;
}

/** `tmux-orc worker ...` (the real built CLI), tracked. */
export const worker = (root: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnTracked(process.execPath, [CLI, 'worker', ...args], { env: env(root, extra) });

/**
 * A worker on "another host": a UTS namespace whose host name is `host`. unshare and sh exec
 * in place, so the returned process's pid is the worker's node process.
 */
export function workerOnHost(root: string, host: string, args: string[], extra: NodeJS.ProcessEnv = {}): Tracked {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `hostname ${q(host)} && exec ${[process.execPath, CLI, 'worker', ...args].map(q).join(' ')}`;
  return spawnTracked('unshare', ['-u', 'sh', '-c', cmd], { env: env(root, extra) });
}

/**
 * A worker under strace (every thread followed) with `inject` (e.g. `delay_exit=6000000:when=1`)
 * applied to the first rename/link naming `queueFile` or `runningFile`: its claim of that task.
 * (strace's -P matches a plain rename(2) by its first path only, hence both paths.)
 */
export function workerUnderStrace(root: string, args: string[], queueFile: string, runningFile: string, inject: string): Tracked {
  const syscalls = 'rename,renameat,renameat2,link,linkat';
  return spawnTracked(
    'strace',
    ['-f', '-qq', '-o', '/dev/null', '-P', queueFile, '-P', runningFile, '-e', `trace=${syscalls}`, '-e', `inject=${syscalls}:${inject}`, process.execPath, CLI, 'worker', ...args],
    { env: env(root) },
  );
}

export function kill(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  comm: string;
}

export function procs_(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(e), state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), comm });
    } catch {
      // gone
    }
  }
  return out;
}

export function children(pid: number): ProcInfo[] {
  return procs_().filter((p) => p.ppid === pid && p.state !== 'Z');
}

export function descendants(pid: number): number[] {
  const all = procs_();
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    for (const c of all) if (c.ppid === p && !out.includes(c.pid)) (out.push(c.pid), todo.push(c.pid));
  }
  return out;
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Live processes (not zombies, not this one) whose environment (its entries) satisfies `match`. */
export function procsWithEnv(match: (entries: string[]) => boolean): number[] {
  const out: number[] = [];
  for (const p of procs_()) {
    if (p.pid === process.pid || p.state === 'Z') continue;
    try {
      if (match(fs.readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0'))) out.push(p.pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Processes whose environment holds `TASK_ROOT=<dir or below>`: workers, launchers, tasks. */
const underDir = (dir: string) => (e: string) => e === `TASK_ROOT=${dir}` || e.startsWith(`TASK_ROOT=${dir}/`);
export const procsOfDir = (dir: string) => procsWithEnv((es) => es.some(underDir(dir)));

/** The processes of one task of a tree under dir (they carry `TASK_ID=<id>`). */
export const procsOfTask = (dir: string, id: string) => procsWithEnv((es) => es.includes(`TASK_ID=${id}`) && es.some(underDir(dir)));

export function killByEnv(dir: string): void {
  for (let i = 0; i < 3; i++) {
    const pids = procsOfDir(dir);
    if (!pids.length) return;
    for (const p of pids) kill(p, 'SIGKILL');
  }
}

export function isStopped(pid: number): boolean {
  return procs_().find((p) => p.pid === pid)?.state === 'T';
}

// ---- users, mounts ---------------------------------------------------------------------------

export interface User {
  name: string;
  uid: number;
  gid: number;
}

/** A throw-away system user with no home and no shell, removed in teardown. */
export function makeUser(): User {
  const name = `orcfault${Math.random().toString(36).slice(2, 8)}`;
  execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', name], { stdio: 'pipe' });
  users.add(name);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, gid };
}

function removeUser(name: string): void {
  spawnSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' }); // exact user, only our throw-away one
  spawnSync('userdel', [name], { stdio: 'ignore' });
  users.delete(name);
}

/** Run a command as the throw-away user (no supplementary groups); resolves with its result. */
export function asUser(u: User, file: string, args: string[], opts: { cwd?: string } = {}): Run {
  const r = spawnSync('setpriv', [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--clear-groups', file, ...args], { cwd: opts.cwd, encoding: 'utf8' });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Mount a tmpfs of `size` on dir (created), unmounted in teardown. */
export function mountTmpfs(dir: string, size = '2m'): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  mounts.add(dir);
}

function umount(dir: string): void {
  if (spawnSync('umount', [dir], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
  mounts.delete(dir);
}

/** Fill the filesystem holding dir with `file` until ENOSPC. */
export function fillDisk(file: string): void {
  spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4096'], { stdio: 'ignore' });
  // a few bytes may still fit in a partly used page of the last block: take them too
  spawnSync('sh', ['-c', `head -c 65536 /dev/zero >> '${file}'`], { stdio: 'ignore' });
}

/** Free bytes on the filesystem holding p. */
export function freeBytes(p: string): number {
  const s = fs.statfsSync(p);
  return Number(s.bavail) * Number(s.bsize);
}

// ---- the tree, read from outside -----------------------------------------------------------

/** Decode a task file: `KEY=value` and `KEY:json="…"` lines; throws on anything else. */
export function parse(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1} is not KEY=value: ${JSON.stringify(line.slice(0, 60))}`);
    let key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (key.endsWith(':json')) ((key = key.slice(0, -5)), (value = JSON.parse(value)));
    out.push([key, value]);
  });
  return out;
}

export const field = (text: string, key: string) => parse(text).filter(([k]) => k === key).map(([, v]) => v).pop();
export const fields = (text: string, key: string) => parse(text).filter(([k]) => k === key).map(([, v]) => v);

const nameHasId = (name: string, id: string) => name.endsWith(`-${id}.task`) || name.endsWith(`_${id}.task`) || name === `${id}.task` || name === id;

export interface Found {
  state: State;
  file: string;
  text: string;
}

/** Every state dir holding a file for this ID (by name), with its text. */
export function findAll(root: string, id: string): Found[] {
  const out: Found[] = [];
  for (const state of STATES) {
    for (const n of ls(root, state)) {
      if (!nameHasId(n, id)) continue;
      const file = path.join(root, state, n);
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      out.push({ state, file, text });
    }
  }
  return out;
}

export const stateOf = (root: string, id: string) => {
  const f = findAll(root, id);
  return f.length === 1 ? f[0].state : f.length ? `several: ${f.map((x) => x.state).join(',')}` : undefined;
};

export function ls(root: string, dir: string): string[] {
  try {
    return fs.readdirSync(path.join(root, dir)).sort();
  } catch {
    return [];
  }
}

/** waitFor, with `detail()` (evaluated when it times out: the state of things then) added to the error. */
export async function waitTill<T>(what: string, check: () => T | Promise<T>, ms: number, detail: () => string = () => ''): Promise<T> {
  try {
    return await waitFor(what, check, ms);
  } catch (e) {
    const d = detail();
    throw new Error(`${(e as Error).message}${d ? `\n${d}` : ''}`);
  }
}

export const until = (root: string, id: string, state: State | State[], ms = 30000, detail: () => string = () => '') =>
  waitTill(`${id} in ${state}`, () => ([] as string[]).concat(state).includes(stateOf(root, id) ?? ''), ms, () => `${id} is in ${stateOf(root, id) ?? 'no state dir'}. ${detail()}`);

/** The task ended in exactly one state dir, as a whole file: its ID and CMD lines are there and it parses. */
export function assertWhole(root: string, id: string, state: State, status?: string): Found {
  const f = findAll(root, id);
  assert.is(f.length, 1, `${id} is in exactly one state dir: ${f.map((x) => x.state).join(',') || 'none'}`);
  assert.is(f[0].state, state, `${id} in ${state}:\n${f[0].text}`);
  let parsed: Array<[string, string]> = [];
  try {
    parsed = parse(f[0].text);
  } catch (e) {
    assert.unreachable(`${id}'s file parses: ${(e as Error).message}\n${f[0].text}`);
  }
  assert.equal(parsed.filter(([k]) => k === 'ID').map(([, v]) => v), [id], `${id}'s file has its ID line:\n${f[0].text}`);
  assert.ok(parsed.some(([k]) => k === 'CMD'), `${id}'s file has its CMD line:\n${f[0].text}`);
  if (status) assert.is(field(f[0].text, 'STATUS'), status, `${id}'s STATUS:\n${f[0].text}`);
  return f[0];
}

/** Every file anywhere in the tree (recursively), with its path. */
export function allFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let es: fs.Dirent[] = [];
    try {
      es = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of es) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Write a task file by hand into queue/ (staged next to it, then renamed), with a seed-format name. */
export function dropTask(root: string, id: string, lines: string, stageDir = path.join(root, '..')): string {
  const name = `${Date.now()}_${Math.random().toString(36).slice(2, 8)}_${id}.task`;
  const stage = path.join(stageDir, `.stage-${name}`);
  fs.writeFileSync(stage, lines, { mode: 0o600 });
  const dest = path.join(root, 'queue', name);
  fs.renameSync(stage, dest);
  return dest;
}

export async function enqueue(root: string, ...args: string[]): Promise<string> {
  const r = await cli(['tasks-enqueue', ...args], { env: env(root) });
  assert.is(r.code, 0, `tasks-enqueue ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

export async function init(root: string): Promise<void> {
  const r = await cli(['tasks-init', '--root', root], { env: env(root) });
  assert.is(r.code, 0, r.stderr);
}

/** Enqueue a probe task and wait until it is done: the worker is past its start-up checks. */
export async function probe(root: string, w: Tracked, ms = 20000): Promise<void> {
  const id = await enqueue(root, '--', 'true');
  await until(root, id, 'done', ms, () => `worker output: ${w.out().slice(-400)}`);
}

// ---- overlap detector and run counting -------------------------------------------------------

/**
 * A task command that appends `start <tag>` to `dir/runs`, holds the kernel lock `dir/lock.<tag>`
 * for `seconds`, then appends `finished <tag>` to `dir/finished`. A second copy started while one
 * holds the lock appends `OVERLAP <tag>` to `dir/overlap` and exits 99. `tag` defaults to the
 * task's own ID (expanded by the task's shell).
 */
export function detector(dir: string, seconds: number | string, tag = '$TASK_ID'): string {
  return (
    `flock -n -E 99 "${dir}/lock.${tag}" -c 'echo "start ${tag}" >> "${dir}/runs"; sleep ${seconds}; echo "finished ${tag}" >> "${dir}/finished"'; ` +
    `rc=$?; if [ $rc -eq 99 ]; then echo "OVERLAP ${tag}" >> "${dir}/overlap"; fi; exit $rc`
  );
}

/** The lines of a file (none when missing). */
export function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** How many lines of `file` equal `line`. */
export const count = (file: string, line: string) => lines(file).filter((l) => l === line).length;

/** Non-empty lines of a text. */
export const textLines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

/** A regexp matching `p` as a whole path (not a prefix of a longer one). */
export const pathRe = (p: string) => new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w./-])`);

/** No stack trace, no raw JS error text. */
export function assertOneCleanLine(r: Run, what: string): void {
  const ls_ = textLines(r.stderr);
  assert.is(ls_.length, 1, `${what}: one line on stderr, got:\n${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at |Invalid time value|TypeError|RangeError|Warning/, `${what}: no stack trace or raw JS error:\n${r.stderr}`);
}
