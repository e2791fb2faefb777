/**
 * Fault scenarios of `npm run stress` (issue 12), in the style of bench/stress-lib.ts: each
 * returns its violations (empty when the invariants held) and a one-line summary.
 *
 * - frozenWorker: workers drain tasks that run inside a flock overlap detector while, round after
 *   round, a random worker's node process or its Perl launcher is SIGSTOPped for longer than the
 *   stale check and the lease, then SIGCONTed. Afterwards: no overlap, every task ran exactly once
 *   (one start and one end record), every one is whole in done/, nothing left in running/.
 * - fullDisk (root only: mounts a tmpfs): the tree lives on a 4 MB tmpfs; while workers drain, a
 *   filler file is grown until ENOSPC and removed again, a few times, and bulk `--stdin` enqueues
 *   run against the nearly full disk. Every ID an enqueue printed ends whole in done/ exactly
 *   once, and ran once; no task failed; tmp/ is empty; an enqueue that stops says exactly
 *   `queued N of M; stopped at line K: no space left on device` with N the IDs it printed.
 *
 * Every process started here carries TASK_ROOT=<the tree> in its environment (workers, and so
 * their launchers and tasks), and is killed by it at the end, failure or not; the tmpfs is always
 * unmounted (also at exit, via onCleanup).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, onCleanup, run, sleep, startChild, tempDir, removeDir, until, killGroup } from './measure.js';
import { benchEnv } from './ours.js';
import type { Outcome } from './stress-lib.js';

const STATES = ['queue', 'running', 'done', 'failed'] as const;
/** The knobs the fault scenarios run the workers with (ms). */
export const STALE_CHECK_MS = 200;
export const LEASE_MS = 2000;

// ---- processes -------------------------------------------------------------------------------

interface Proc {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

function procs(): Proc[] {
  const out: Proc[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(e), state: rest[0], ppid: Number(rest[1]), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) });
    } catch {
      // gone
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Live processes (not this one) whose environment holds TASK_ROOT=<root> or a path below it. */
function procsOfRoot(root: string): number[] {
  const out: number[] = [];
  for (const p of procs()) {
    if (p.pid === process.pid || p.state === 'Z') continue;
    try {
      const es = fs.readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0');
      if (es.some((e) => e === `TASK_ROOT=${root}` || e.startsWith(`TASK_ROOT=${root}/`))) out.push(p.pid);
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

/** SIGCONT then SIGKILL everything of this tree (stopped ones included), until nothing is left. */
function killRoot(root: string): void {
  for (let i = 0; i < 5; i++) {
    const pids = procsOfRoot(root);
    if (!pids.length) return;
    for (const p of pids) (signal(p, 'SIGCONT'), signal(p, 'SIGKILL'));
  }
}

/** The worker's Perl launcher: its child running perl. */
const launcherOf = (workerPid: number) => procs().find((p) => p.ppid === workerPid && p.comm === 'perl' && p.state !== 'Z');

interface FaultWorker {
  pid: number;
  exited: Promise<void>;
  alive: () => boolean;
  out: () => string;
  stop: () => Promise<void>;
}

/** A worker with the short knobs and TASK_ROOT in its environment; its pane is a file in `dir`. */
function startFaultWorker(root: string, dir: string, id: string): FaultWorker {
  const pane = path.join(dir, `worker-${id}.out`);
  const fd = fs.openSync(pane, 'a', 0o600);
  const env = { ...benchEnv({ TMUX_ORC_STALE_CHECK_MS: String(STALE_CHECK_MS), TMUX_ORC_LEASE_MS: String(LEASE_MS) }), TASK_ROOT: root };
  const child = startChild(process.execPath, [CLI, 'worker', '--root', root, '--id', id], { env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  let gone = false;
  const exited = new Promise<void>((r) => child.on('exit', () => ((gone = true), r())));
  const out = () => {
    try {
      return fs.readFileSync(pane, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (gone) return;
    signal(child.pid!, 'SIGCONT');
    killGroup(child, 'SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    killGroup(child);
  };
  return { pid: child.pid!, exited, alive: () => !gone, out, stop };
}

// ---- the tree, read from outside ---------------------------------------------------------------

/** `KEY=value` and `KEY:json="…"` lines; throws on anything else (a half-written record). */
function parseTask(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1} is not KEY=value: ${JSON.stringify(line.slice(0, 40))}`);
    let key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (key.endsWith(':json')) ((key = key.slice(0, -5)), (value = JSON.parse(value) as string));
    out.set(key, [...(out.get(key) ?? []), value]);
  });
  return out;
}

const idOfName = (n: string) => /^\d{4}-\d{16}-(.+)\.task$/.exec(n)?.[1] ?? /_([^_]+)\.task$/.exec(n)?.[1] ?? n;
const ls = (root: string, d: string) => {
  try {
    return fs.readdirSync(path.join(root, d));
  } catch {
    return [];
  }
};

/**
 * Check that each of `ids` is in done/ exactly once, whole (parses; its ID, a CMD and
 * STATUS=done), and that nothing else is left in queue/, running/ or failed/.
 */
export function checkDone(root: string, ids: string[], v: string[]): number {
  const where = new Map<string, string[]>();
  for (const d of STATES) for (const n of ls(root, d)) where.set(idOfName(n), [...(where.get(idOfName(n)) ?? []), `${d}/${n}`]);
  let whole = 0;
  const bad: string[] = [];
  for (const id of ids) {
    const w = where.get(id) ?? [];
    if (w.length !== 1 || !w[0].startsWith('done/')) {
      bad.push(`${id} in ${w.join(', ') || 'no state dir'}`);
      continue;
    }
    let text = '';
    try {
      text = fs.readFileSync(path.join(root, w[0]), 'utf8');
      const t = parseTask(text);
      const problems = [
        (t.get('ID') ?? []).join() !== id && `ID=${(t.get('ID') ?? []).join(',')}`,
        !t.has('CMD') && 'no CMD',
        (t.get('STATUS') ?? []).at(-1) !== 'done' && `STATUS=${(t.get('STATUS') ?? []).at(-1)}`,
      ].filter(Boolean);
      if (problems.length) bad.push(`${w[0]}: ${problems.join(', ')}: ${JSON.stringify(text.slice(-200))}`);
      else whole++;
    } catch (e) {
      bad.push(`${w[0]} does not parse (${(e as Error).message}): ${JSON.stringify(text.slice(-200))}`);
    }
  }
  if (bad.length) v.push(`${bad.length} tasks not whole in done/ exactly once (e.g. ${bad.slice(0, 3).join('; ')})`);
  // Every file in done/ (not only ours) must parse.
  for (const n of ls(root, 'done')) {
    try {
      const t = parseTask(fs.readFileSync(path.join(root, 'done', n), 'utf8'));
      if (!t.has('ID') || !t.has('CMD') || (t.get('STATUS') ?? []).at(-1) !== 'done') v.push(`done/${n} lacks ID, CMD or STATUS=done`);
    } catch (e) {
      v.push(`done/${n} is half-written: ${(e as Error).message}`);
    }
  }
  for (const d of ['queue', 'running', 'failed'] as const) {
    const left = ls(root, d);
    if (left.length) v.push(`${left.length} files left in ${d}/ (e.g. ${left.slice(0, 3).join(', ')})`);
  }
  return whole;
}

function countLines(file: string): Map<string, number> {
  const m = new Map<string, number>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return m;
  }
  for (const l of text.split('\n')) if (l) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

async function enqueueLines(root: string, cmds: string[]): Promise<{ ids: string[]; code: number | null; stderr: string }> {
  const r = await run(process.execPath, [CLI, 'tasks-enqueue', '--root', root, '--stdin'], { input: `${cmds.join('\n')}\n`, env: benchEnv(), timeoutMs: 120_000 });
  return { ids: r.stdout.split('\n').filter(Boolean), code: r.code, stderr: r.stderr };
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
const between = (a: number, b: number) => a + Math.random() * (b - a);

// ---- frozen worker -----------------------------------------------------------------------------

/**
 * `workers` workers drain `batch`-sized batches of detector tasks (each holds a kernel lock on
 * its ID for `taskS` seconds) while, for `rounds` rounds, a random busy worker's node process
 * (even rounds) or its Perl launcher (odd rounds) is SIGSTOPped for 1.2–1.7 leases (each lease is
 * 10 stale checks), then SIGCONTed.
 */
export async function frozenWorker(o: { workers: number; rounds: number; batch: number; taskS?: number; timeoutMs?: number }): Promise<Outcome> {
  const dir = tempDir('frozen');
  const root = path.join(dir, 'tasks');
  const locks = path.join(dir, 'locks');
  const runs = path.join(dir, 'runs.log');
  const overlap = path.join(dir, 'overlap.log');
  fs.mkdirSync(locks);
  const ws: FaultWorker[] = [];
  const stopped = new Set<number>();
  const cmd =
    `flock -n -E 99 '${locks}/'"$TASK_ID.lock" -c 'echo "start $TASK_ID" >> '\\''${runs}'\\''; sleep ${o.taskS ?? 0.3}; echo "end $TASK_ID" >> '\\''${runs}'\\'''; ` +
    `rc=$?; if [ $rc -eq 99 ]; then echo "$TASK_ID" >> '${overlap}'; fi; exit $rc`;
  const violations: string[] = [];
  let nodeFreezes = 0;
  let launcherFreezes = 0;
  let midTask = 0;
  try {
    const init = await run(process.execPath, [CLI, 'tasks-init', '--root', root], { env: benchEnv() });
    if (init.code !== 0) throw new Error(`tasks-init: ${init.stderr}`);
    const ids: string[] = [];
    const more = async () => {
      const r = await enqueueLines(root, Array(o.batch).fill(cmd));
      if (r.code !== 0) throw new Error(`bulk enqueue failed: ${r.stderr}`);
      ids.push(...r.ids);
    };
    await more();
    for (let i = 0; i < o.workers; i++) ws.push(startFaultWorker(root, dir, String(i)));
    for (let round = 0; round < o.rounds; round++) {
      if (ls(root, 'queue').length < o.batch / 2) await more();
      await sleep(between(300, 800)); // let the thawed worker get going again
      // A worker that holds a task (its launcher has a child) is the interesting one; any will do.
      const busy = ws.filter((w) => w.alive() && procs().some((p) => p.ppid === launcherOf(w.pid)?.pid));
      const w = pick(busy.length ? busy : ws.filter((x) => x.alive()));
      if (!w) break;
      const target = round % 2 === 0 ? w.pid : launcherOf(w.pid)?.pid;
      if (target === undefined) continue;
      const ms = between(1.2, 1.7) * LEASE_MS;
      if (!signal(target, 'SIGSTOP')) continue;
      stopped.add(target);
      const launcher = launcherOf(w.pid)?.pid;
      if (procs().some((p) => p.ppid === launcher)) midTask++; // its task runs on meanwhile
      await sleep(ms); // the fault's duration: over a lease, many stale checks
      signal(target, 'SIGCONT');
      stopped.delete(target);
      if (round % 2 === 0) nodeFreezes++;
      else launcherFreezes++;
    }
    await until('queue and running empty', () => ['queue', 'running'].every((d) => ls(root, d).length === 0), o.timeoutMs ?? 180_000, 100);
    await sleep(200);
    const overlaps = countLines(overlap);
    if (overlaps.size) violations.push(`${overlaps.size} tasks started while another run held their lock (e.g. ${[...overlaps.keys()].slice(0, 3).join(', ')})`);
    const seen = countLines(runs);
    let once = 0;
    const notOnce: string[] = [];
    for (const id of ids) {
      const s = seen.get(`start ${id}`) ?? 0;
      const e = seen.get(`end ${id}`) ?? 0;
      if (s === 1 && e === 1) once++;
      else notOnce.push(`${id}: ${s} starts, ${e} ends`);
    }
    if (notOnce.length) violations.push(`${notOnce.length} tasks did not run exactly once (e.g. ${notOnce.slice(0, 3).join('; ')})`);
    checkDone(root, ids, violations);
    const dead = ws.filter((x) => !x.alive());
    if (dead.length) violations.push(`${dead.length} workers died: ${dead.map((x) => x.out().slice(-200)).join(' | ')}`);
    return {
      name: 'frozen',
      violations,
      summary: `frozen worker: ${o.workers} workers, ${nodeFreezes} worker + ${launcherFreezes} launcher SIGSTOPs (${midTask} mid-task) of ${(LEASE_MS * 1.2 / 1000).toFixed(1)}–${(LEASE_MS * 1.7 / 1000).toFixed(1)} s (lease ${LEASE_MS / 1000} s, stale check ${STALE_CHECK_MS} ms), ${ids.length} tasks, ${once} ran once, ${overlaps.size} overlaps`,
    };
  } finally {
    for (const p of stopped) signal(p, 'SIGCONT');
    await Promise.all(ws.map((w) => w.stop()));
    killRoot(root);
    removeDir(dir);
  }
}

// ---- full disk ---------------------------------------------------------------------------------

const hasProgram = (p: string) => spawnSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' }).status === 0;

function umount(dir: string): void {
  if (spawnSync('umount', [dir], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
}

const isMounted = (dir: string) => fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);

const freeBytes = (p: string) => {
  const s = fs.statfsSync(p);
  return Number(s.bavail) * Number(s.bsize);
};

/** Grow `file` until the filesystem is full (ENOSPC), also the last bytes of a partly used page. */
async function fill(file: string): Promise<void> {
  await run('dd', ['if=/dev/zero', `of=${file}`, 'bs=65536', 'oflag=append', 'conv=notrunc'], { timeoutMs: 30_000 });
  await run('sh', ['-c', `head -c 65536 /dev/zero >> '${file}'`], { timeoutMs: 30_000 });
}

const QUEUED = /^(?:tmux-orc: )?queued (\d+) of (\d+); stopped at line (\d+): no space left on device$/;

/**
 * A tree on a `sizeMb` tmpfs, `workers` workers draining. `rounds` times: fill the disk, leave
 * some room, run a bulk enqueue of `batch` lines into it (it may stop at ENOSPC), fill the disk
 * again and hold it full for a while (the workers keep claiming and settling on a full disk),
 * then remove the filler and enqueue once more with room to spare.
 */
export async function fullDisk(o: { workers: number; rounds: number; batch: number; sizeMb?: number; timeoutMs?: number }): Promise<Outcome> {
  if (process.getuid?.() !== 0) return { name: 'disk', violations: [], summary: `full disk: skipped — needs root to mount a tmpfs (running as uid ${process.getuid?.()})` };
  const missing = ['mount', 'umount', 'dd'].filter((p) => !hasProgram(p));
  if (missing.length) return { name: 'disk', violations: [], summary: `full disk: skipped — needs ${missing.join(', ')}` };
  const dir = tempDir('disk');
  const mnt = path.join(dir, 'mnt');
  const root = path.join(mnt, 'tree');
  const filler = path.join(mnt, 'filler');
  const runs = path.join(dir, 'runs.log'); // outside the tmpfs
  fs.mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${o.sizeMb ?? 4}m,mode=0700`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    removeDir(dir);
    return { name: 'disk', violations: [], summary: `full disk: skipped — mount -t tmpfs failed: ${(m.stderr || String(m.error)).trim().split('\n')[0]}` };
  }
  let unmounted = false;
  const teardown = () => {
    if (unmounted) return;
    killRoot(root);
    umount(mnt);
    unmounted = !isMounted(mnt);
  };
  onCleanup(teardown); // also when the run is interrupted
  const ws: FaultWorker[] = [];
  const violations: string[] = [];
  // A task prints nothing (no log file to write on a full disk) and records its run outside the tmpfs.
  // Each takes a moment, so that tasks are queued and running whenever the disk fills.
  const cmd = `echo "$TASK_ID" >> '${runs}'; sleep 0.1`;
  const ids: string[] = [];
  let batches = 0;
  let stoppedBatches = 0;
  let fills = 0;
  let busyFills = 0; // fills that found tasks queued or running
  const enqueue = async (lines: number) => {
    const r = await enqueueLines(root, Array(lines).fill(cmd));
    batches++;
    ids.push(...r.ids);
    if (r.code === 0) {
      if (r.ids.length !== lines) violations.push(`an enqueue exited 0 printing ${r.ids.length} IDs for ${lines} lines`);
      return;
    }
    stoppedBatches++;
    const errLines = r.stderr.split('\n').filter((l) => l.trim());
    const q = errLines.length === 1 ? QUEUED.exec(errLines[0]) : null;
    if (!q) violations.push(`an enqueue exited ${r.code} without the one "queued N of M; stopped at line K: no space left on device" line: ${JSON.stringify(r.stderr.slice(0, 300))}`);
    else if (Number(q[1]) !== r.ids.length || Number(q[2]) !== lines || Number(q[3]) <= r.ids.length || Number(q[3]) > lines) violations.push(`enqueue said "${errLines[0]}" but printed ${r.ids.length} IDs of ${lines} lines`);
  };
  try {
    const init = await run(process.execPath, [CLI, 'tasks-init', '--root', root], { env: benchEnv() });
    if (init.code !== 0) throw new Error(`tasks-init: ${init.stderr}`);
    for (let i = 0; i < o.workers; i++) ws.push(startFaultWorker(root, dir, String(i)));
    await enqueue(o.batch);
    for (let round = 0; round < o.rounds; round++) {
      // Nearly full: some room left (each task file takes a 4 KiB page), then a batch that outgrows it.
      await fill(filler);
      fills++;
      const room = Math.floor(between(0.15, 0.5) * o.batch) * 4096;
      fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - room));
      await enqueue(o.batch);
      // Full, held: the workers meet ENOSPC claiming and settling, and a batch meets it at once.
      busyFills += ls(root, 'queue').length + ls(root, 'running').length > 0 ? 1 : 0;
      await fill(filler);
      fills++;
      await enqueue(Math.ceil(o.batch / 4));
      await sleep(between(1500, 2500));
      fs.rmSync(filler, { force: true });
      await sleep(between(300, 800));
      await enqueue(Math.ceil(o.batch / 2));
    }
    fs.rmSync(filler, { force: true });
    const stuck = () => `queue ${ls(root, 'queue').length}, running ${ls(root, 'running').length}, free ${freeBytes(mnt)} B; panes: ${ws.map((w) => JSON.stringify(w.out().slice(-300))).join(' | ')}`;
    try {
      await until('queue and running empty', () => ['queue', 'running'].every((d) => ls(root, d).length === 0), o.timeoutMs ?? 120_000, 100);
    } catch (e) {
      violations.push(`${(e as Error).message}: ${stuck()}`);
    }
    await sleep(200);
    const whole = checkDone(root, ids, violations);
    const seen = countLines(runs);
    const notOnce = ids.filter((id) => seen.get(id) !== 1);
    if (notOnce.length) violations.push(`${notOnce.length} printed IDs did not run exactly once (e.g. ${notOnce.slice(0, 3).map((id) => `${id}: ${seen.get(id) ?? 0}`).join(', ')})`);
    const stray = [...seen.keys()].filter((id) => !ids.includes(id));
    if (stray.length) violations.push(`${stray.length} tasks ran whose IDs no enqueue printed (e.g. ${stray.slice(0, 3).join(', ')})`);
    const tmp = ls(root, 'tmp');
    if (tmp.length) violations.push(`tmp/ holds ${tmp.length} files (e.g. ${tmp.slice(0, 3).join(', ')})`);
    const dead = ws.filter((x) => !x.alive());
    if (dead.length) violations.push(`${dead.length} workers died: ${dead.map((x) => x.out().slice(-200)).join(' | ')}`);
    const said = ws.filter((w) => /no space left/i.test(w.out())).length;
    return {
      name: 'disk',
      violations,
      summary: `full disk: ${o.sizeMb ?? 4} MB tmpfs filled ${fills}× (${busyFills} times held full under queued work), ${batches} bulk enqueues (${stoppedBatches} stopped at ENOSPC), ${ids.length} queued IDs, ${whole} whole in done/ once, ${ids.length - notOnce.length} ran once, ${ls(root, 'failed').length} failed, tmp/ ${tmp.length ? 'not empty' : 'empty'}; ${said}/${o.workers} workers said "no space left"`,
    };
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
    teardown();
    if (!unmounted) violations.push(`could not unmount ${mnt}`);
    removeDir(dir);
  }
}
