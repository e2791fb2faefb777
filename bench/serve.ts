/**
 * The `serve` scenario of `npm run bench` (BENCH_ONLY=serve runs it alone): `tmux-orc serve` over a tree of
 * 100,000 tasks (BENCH_SCALE): 30% queued, 60% done, 10% failed. Times `GET /api/tasks?limit=50`
 * and `GET /metrics` after a warm-up, the latency from a task file landing in queue/ to its event
 * on an SSE client, the start-up (index load), and the server's RSS. Requests go to 127.0.0.1 only.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CLI, nowMs, percentile, removeDir, run, startChild, tempDir, until, killGroup } from './measure.js';
import { benchEnv } from './ours.js';
import { enqueue } from '../src/queue/enqueue.js';
import { ensureTree, tree } from '../src/queue/tree.js';

export interface ServeFigures {
  startupSeconds: number;
  list: { p50: number; p95: number };
  metrics: { p50: number; p95: number };
  event: { p50: number; p95: number };
  rssMb: number;
  peakMb: number;
}

const rss = (pid: number, key: 'VmRSS' | 'VmHWM'): number => {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

export async function serveBench(n: number, samples = 200): Promise<ServeFigures> {
  const dir = tempDir('serve');
  const root = path.join(dir, 'tasks');
  const t = tree(root);
  ensureTree(t);
  const server = { child: undefined as ReturnType<typeof startChild> | undefined };
  try {
    const r = await run(process.execPath, [CLI, 'tasks-enqueue', '--root', root, '--stdin'], { input: `${Array.from({ length: n }, (_, i) => `echo task-${i}`).join('\n')}\n`, env: benchEnv() });
    if (r.code !== 0) throw new Error(`bulk enqueue failed: ${r.stderr}`);
    // Finished tasks as most of the tree, as a long-lived tree has them.
    const names = fs.readdirSync(t.dir('queue')).sort();
    names.forEach((name, i) => {
      const to = i < n * 0.6 ? 'done' : i < n * 0.7 ? 'failed' : undefined;
      if (to) fs.renameSync(path.join(t.dir('queue'), name), path.join(t.dir(to), name));
    });
    const t0 = nowMs();
    const child = startChild(process.execPath, [CLI, 'serve', '--root', root, '--port', '0'], { env: benchEnv() });
    server.child = child;
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const m = await until('the server prints its URL', () => /open in a browser: http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out), 120_000, 5);
    const startupSeconds = (nowMs() - t0) / 1000;
    const [port, token] = [Number(m![1]), m![2]];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (p: string) =>
      new Promise<number>((resolve, reject) => {
        const s = nowMs();
        http
          .get({ host: '127.0.0.1', port, path: p, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve(nowMs() - s) : reject(new Error(`${p}: ${res.statusCode}`))));
          })
          .on('error', reject);
      });
    const time = async (p: string) => {
      for (let i = 0; i < 20; i++) await get(p); // warm-up
      const xs: number[] = [];
      for (let i = 0; i < samples; i++) xs.push(await get(p));
      return { p50: percentile(xs, 50), p95: percentile(xs, 95) };
    };
    const list = await time('/api/tasks?limit=50');
    const metrics = await time('/metrics');

    // Event latency: a task file renamed into queue/ (in this process, no fsync) to its SSE event.
    const arrived = new Map<string, number>();
    const sse = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = nowMs();
        for (const id of chunk.matchAll(/"id":"([^"]+)","state":"queue"/g)) if (!arrived.has(id[1])) arrived.set(id[1], at);
      });
    });
    await until('the stream is open', () => sse.socket?.readyState === 'open', 10_000, 5);
    await new Promise((r) => setTimeout(r, 200));
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const s = nowMs();
      const id = await enqueue(t, { cmd: `echo probe-${i}` }, { fsync: false });
      await until(`event for ${id}`, () => arrived.has(id), 10_000, 1);
      lat.push(arrived.get(id)! - s);
      await new Promise((r) => setTimeout(r, 20));
    }
    sse.destroy();
    agent.destroy();
    return { startupSeconds, list, metrics, event: { p50: percentile(lat, 50), p95: percentile(lat, 95) }, rssMb: rss(child.pid!, 'VmRSS'), peakMb: rss(child.pid!, 'VmHWM') };
  } finally {
    if (server.child) killGroup(server.child, 'SIGTERM');
    removeDir(dir);
  }
}
