/**
 * The Redis backend side by side with the tree, on this machine, in one run (a private
 * redis-server with its append-only file on, fsync every second and `hz 100`, as docs/backends.md
 * advises):
 * drain 1,000 `true` with 4 workers, bulk enqueue 10,000, enqueue → start latency, and the same
 * drain by 2 hosts × 4 workers (namespaces of their own when root).
 *
 * Run alone: `BENCH_ONLY=redis npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { CLI, killGroup, nowMs, percentile, removeDir, run, sleep, startChild, tempDir } from './measure.js';
import { benchEnv, bulkEnqueue, drain } from './ours.js';
import { startRedis, type RedisServer } from '../test/redis/server.js';
import { redisStore } from '../src/redis/store.js';

const NODE = process.execPath;
let queues = 0;

export interface RedisFigures {
  treeDrain: number;
  redisDrain: number;
  treeBulk: number;
  redisBulk: number;
  p50: number;
  p95: number;
  hostsDrain: number;
  hostsHow: string;
}

/** Whether each "host" can have PID and UTS namespaces of its own (root, and unshare works here). */
function canUnshare(): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'true']).status === 0;
}

/**
 * Workers draining `n` `cmd` gated at a start time; tasks/s from the gate to the last FINISHED.
 * With `namespaces`, each of several hosts runs in namespaces of its own (probed once, before any
 * drain: not between a drain's enqueue and its start time).
 */
async function redisDrain(server: RedisServer, n: number, cmd: string, hosts: string[], perHost: number, namespaces: boolean): Promise<number> {
  const url = server.url(`drain-${++queues}`);
  const env = benchEnv({ TASK_BACKEND: url });
  const gate = Date.now() + 4000 + hosts.length * perHost * 400;
  const r = await run(NODE, [CLI, 'tasks-enqueue', '--stdin', '--at', `@${gate / 1000}`], { input: `${Array(n).fill(cmd).join('\n')}\n`, env });
  if (r.code !== 0) throw new Error(`redis bulk enqueue: ${r.stderr}`);
  const children = hosts.map((h) => {
    const workers = Array.from({ length: perHost }, (_, i) => `'${NODE}' '${CLI}' worker --until-empty --id ${i} >/dev/null 2>&1 &`).join(' ');
    const body = `${workers} wait`;
    return namespaces && hosts.length > 1
      ? startChild('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'sh', '-c', `hostname ${h}; ${body}`], { env, stdio: 'ignore' })
      : startChild('sh', ['-c', body], { env: { ...env, TMUX_ORC_HOST: h }, stdio: 'ignore' });
  });
  try {
    await Promise.all(children.map((c) => new Promise((res) => c.on('exit', res))));
    const store = redisStore(url);
    try {
      const done = await store.list('done');
      if (done.length !== n) throw new Error(`redis drain: ${done.length} of ${n} done`);
      const end = Math.max(...done.map((d) => Date.parse(d.finished ?? '')));
      if (Date.now() < gate || end < gate) throw new Error('redis drain: the workers were not ready before the gate');
      return n / ((end - gate) / 1000);
    } finally {
      await store.close();
    }
  } finally {
    children.forEach((c) => killGroup(c));
    // Each drain starts from an empty Redis, as each tree drain starts from an empty tree (the
    // jobs of earlier runs would otherwise pile up in it, run after run).
    spawnSync('redis-cli', ['-p', String(server.port), 'flushall'], { stdio: 'ignore' });
  }
}

async function redisBulk(server: RedisServer, count: number): Promise<number> {
  const env = benchEnv({ TASK_BACKEND: server.url(`bulk-${++queues}`) });
  const t0 = nowMs();
  const r = await run(NODE, [CLI, 'tasks-enqueue', '--stdin'], { input: `${Array(count).fill('true').join('\n')}\n`, env });
  if (r.code !== 0) throw new Error(`redis bulk: ${r.stderr}`);
  return count / ((nowMs() - t0) / 1000);
}

/** Enqueue (in-process, the library call the CLI makes) → the STARTED record, one idle worker. */
async function redisLatency(server: RedisServer, samples: number): Promise<number[]> {
  const url = server.url(`lat-${++queues}`);
  const store = redisStore(url);
  const w = startChild(NODE, [CLI, 'worker'], { env: benchEnv({ TASK_BACKEND: url }), stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && !(await store.workers()).some((x) => x.alive); i++) await sleep(100);
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      await sleep(20 + Math.random() * 30);
      const t0 = nowMs();
      const id = await store.enqueue({ cmd: 'true' });
      let started: number | undefined;
      for (let tries = 0; started === undefined && tries < 3000; tries++) {
        const got = await store.get(id);
        started = got?.state === 'done' ? got.task?.started : undefined;
        if (started === undefined) await sleep(2);
      }
      if (started === undefined) throw new Error(`redis latency: ${id} never ran`);
      out.push(started - t0);
    }
    return out;
  } finally {
    killGroup(w, 'SIGTERM');
    await sleep(500);
    killGroup(w);
    await store.close();
  }
}

export async function redisBench(runs: number, log: (s: string) => void): Promise<RedisFigures | { skipped: string }> {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) return { skipped: 'redis-server missing (scripts/test-deps.d/redis.sh)' };
  const dir = tempDir('redis');
  const server = await startRedis(dir, { fsync: 'everysec', hz: 100 });
  const namespaces = canUnshare();
  try {
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const td: number[] = [];
    const rd: number[] = [];
    for (let i = 0; i < runs; i++) {
      td.push(await drain(1000, 'true', 4));
      rd.push(await redisDrain(server, 1000, 'true', ['solo'], 4, namespaces));
      log(`  redis drain run ${i + 1}/${runs}: tree ${td[i].toFixed(0)}/s, redis ${rd[i].toFixed(0)}/s`);
    }
    const tb: number[] = [];
    const rb: number[] = [];
    for (let i = 0; i < runs; i++) {
      tb.push((await bulkEnqueue(10_000)).rate);
      rb.push(await redisBulk(server, 10_000));
      log(`  bulk run ${i + 1}/${runs}: tree ${tb[i].toFixed(0)}/s, redis ${rb[i].toFixed(0)}/s`);
    }
    const lat = await redisLatency(server, Math.max(60, 40 * runs));
    const hd: number[] = [];
    for (let i = 0; i < runs; i++) {
      hd.push(await redisDrain(server, 1000, 'true', ['alpha', 'beta'], 4, namespaces));
      log(`  2 hosts × 4 run ${i + 1}/${runs}: ${hd[i].toFixed(0)}/s`);
    }
    return {
      treeDrain: med(td), redisDrain: med(rd), treeBulk: med(tb), redisBulk: med(rb),
      p50: percentile(lat, 50), p95: percentile(lat, 95), hostsDrain: med(hd),
      hostsHow: namespaces ? 'UTS + PID namespaces' : 'process groups with TMUX_ORC_HOST',
    };
  } finally {
    server.stop();
    removeDir(dir);
  }
}
