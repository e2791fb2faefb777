/**
 * The groups-and-locks stress scenario (issue 18), for `npm run stress` (STRESS_ONLY=gates):
 * workers race for the slots of two groups and for a named lock while they are SIGKILLed at
 * random (sometimes with their launchers) and restarted, tasks keep coming, and one group's
 * limit is raised live halfway through. Every run logs when it starts and ends under each of its
 * gates; afterwards no gate ever had more runs at once than its limit allowed, and no task was
 * lost. Correctness only: nothing here asserts on timings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI, killGroup, removeDir, run, sleep, tempDir, until } from './measure.js';
import { benchEnv, startWorker, type Worker } from './ours.js';
import { ensureTree, tree } from '../src/queue/tree.js';
import type { Outcome } from './stress-lib.js';

const STATES = ['queue', 'running', 'done', 'failed'] as const;

/** The task kinds: enqueue options and the gates their runs log under. */
const KINDS: Array<{ opts: string[]; gates: string[]; share: number }> = [
  { opts: ['--group', 'wide'], gates: ['wide'], share: 0.4 },
  { opts: ['--group', 'one', '--lock', 'L'], gates: ['one', 'L'], share: 0.2 },
  { opts: ['--lock', 'L'], gates: ['L'], share: 0.2 },
  { opts: [], gates: [], share: 0.2 },
];

/** A run logs `S <gate> <t>` per gate when it starts and `E <gate> <t>` when it ends (an EXIT trap: also when signalled). */
function command(log: string, gates: string[]): string {
  const q = `'${log}'`;
  const at = (k: string) => gates.map((g) => `echo "${k} ${g} $EPOCHREALTIME" >> ${q}`).join('; ') || ':';
  return `trap '${at('E').replace(/'/g, `'\\''`)}' EXIT; ${at('S')}; sleep 0.0$((RANDOM % 4))`;
}

async function bulk(root: string, opts: string[], cmds: string[]): Promise<string[]> {
  const r = await run(process.execPath, [CLI, 'tasks-enqueue', '--root', root, ...opts, '--stdin'], { input: `${cmds.join('\n')}\n`, env: benchEnv(), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`bulk enqueue failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * The most runs of each gate at once, judged at each start: a start at time t may see at most
 * `limit(gate, t)` runs (itself included) of that gate. Returns the violations and the maxima.
 */
export function checkGates(text: string, limit: (gate: string, t: number) => number): { violations: string[]; most: Map<string, number> } {
  const events = text.split('\n').map((l) => /^([SE]) (\S+) ([\d.]+)$/.exec(l)).filter((m): m is RegExpExecArray => !!m)
    .map(([, k, gate, t]) => ({ k, gate, t: Number(t) }))
    .sort((a, b) => a.t - b.t || (a.k === 'E' ? -1 : 1)); // an end and a start at the same instant: the end first
  const now = new Map<string, number>();
  const most = new Map<string, number>();
  const violations: string[] = [];
  for (const e of events) {
    const n = (now.get(e.gate) ?? 0) + (e.k === 'S' ? 1 : -1);
    now.set(e.gate, n);
    if (e.k !== 'S') continue;
    most.set(e.gate, Math.max(most.get(e.gate) ?? 0, n));
    if (n > limit(e.gate, e.t)) violations.push(`${n} runs of ${e.gate} at once at ${e.t} (limit ${limit(e.gate, e.t)})`);
  }
  return { violations, most };
}

const kill = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
};

/** The launcher of a worker: its perl child. */
function launcherOf(pid: number): number | undefined {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.find((k) => /^perl$/.test(fs.readFileSync(`/proc/${k}/comm`, 'utf8').trim()));
  } catch {
    return undefined;
  }
}

export async function gatesChaos(o: { workers: number; seconds: number; killEveryMs: number; batch: number; timeoutMs?: number }): Promise<Outcome> {
  const dir = tempDir('gates');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root));
  const log = path.join(dir, 'runs.log');
  const ws: Array<Worker | undefined> = [];
  const all: Worker[] = [];
  const spawnW = (i: number) => {
    const w = startWorker(root, String(i));
    ws[i] = w;
    all.push(w);
  };
  const set = async (g: string, n: number) => {
    const r = await run(process.execPath, [CLI, 'group', 'set', g, '--parallel', String(n), '--root', root], { env: benchEnv() });
    if (r.code !== 0) throw new Error(`group set failed: ${r.stderr}`);
  };
  const refill = async () => {
    const out: string[] = [];
    for (const k of KINDS) out.push(...(await bulk(root, k.opts, Array(Math.round(o.batch * k.share)).fill(command(log, k.gates)))));
    return out;
  };
  let kills = 0;
  let raisedAt = Infinity;
  try {
    await set('wide', 2);
    await set('one', 1);
    const ids = await refill();
    for (let i = 0; i < o.workers; i++) spawnW(i);
    const start = Date.now();
    const end = start + o.seconds * 1000;
    let nextKill = start + o.killEveryMs;
    while (Date.now() < end) {
      if (raisedAt === Infinity && Date.now() > start + (o.seconds * 1000) / 2) {
        raisedAt = Date.now() / 1000; // in EPOCHREALTIME's seconds; before the change, so a start after it may see either limit
        await set('wide', 3);
      }
      if (fs.readdirSync(path.join(root, 'queue')).length < o.batch / 2) ids.push(...(await refill()));
      if (Date.now() >= nextKill) {
        const i = Math.floor(Math.random() * o.workers);
        const w = ws[i]!;
        if (w.child.pid !== undefined && w.child.exitCode === null) {
          const launcher = Math.random() < 0.5 ? launcherOf(w.child.pid) : undefined;
          kill(w.child.pid); // its running task lives on under its recorder, holding its slot and lock
          if (launcher) kill(launcher);
          kills++;
          await w.exited;
        }
        spawnW(i);
        nextKill = Date.now() + o.killEveryMs * (0.5 + Math.random());
      }
      await sleep(50);
    }
    await until('queue and running empty', () => ['queue', 'running'].every((d) => fs.readdirSync(path.join(root, d)).length === 0), o.timeoutMs ?? 300_000, 100);
    const limits: Record<string, number> = { one: 1, L: 1 };
    const { violations, most } = checkGates(fs.readFileSync(log, 'utf8'), (g, t) => (g === 'wide' ? (t < raisedAt ? 2 : 3) : limits[g]));
    const where = new Map<string, string>();
    for (const d of STATES) for (const n of fs.readdirSync(path.join(root, d))) {
      const id = /^\d{4}-\d{16}-(.+)\.task$/.exec(n)?.[1] ?? n;
      if (where.has(id)) violations.push(`${id} in ${where.get(id)}/ and ${d}/`);
      where.set(id, d);
    }
    const lost = ids.filter((id) => where.get(id) !== 'done' && where.get(id) !== 'failed');
    if (lost.length) violations.push(`${lost.length} tasks lost (e.g. ${lost.slice(0, 3).join(', ')})`);
    const failed = ids.filter((id) => where.get(id) === 'failed').length;
    const seen = [...most].map(([g, n]) => `${g} ≤${n}`).join(', ');
    return {
      name: 'gates',
      violations,
      summary: `groups and locks: ${o.seconds} s, ${o.workers} workers, ${kills} SIGKILLs, ${ids.length} tasks (${failed} failed), most at once: ${seen} (limits wide 2→3, one 1, L 1), 0 lost${violations.length ? '?' : ''}`,
    };
  } finally {
    all.forEach((w) => killGroup(w.child, 'SIGTERM'));
    await Promise.race([Promise.all(all.map((w) => w.exited)), sleep(15_000)]);
    all.forEach((w) => killGroup(w.child));
    removeDir(dir);
  }
}
