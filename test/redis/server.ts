/**
 * A private redis-server for a test file: on a free loopback port, in a temp dir, with the
 * append-only file on (what README "Backends" asks of a production Redis), stopped in teardown.
 * Installed by scripts/test-deps.d/redis.sh; where it is missing the tests skip and say so.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export const REDIS_MISSING = spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0
  ? undefined
  : 'redis-server is not installed (scripts/test-deps.d/redis.sh installs it as root)';

export interface RedisServer {
  port: number;
  /** A backend URL for a queue of its own. */
  url(queue: string): string;
  /** Stop it as a crash would (SIGKILL), or cleanly; start it again on the same port and data. */
  kill(): void;
  start(): Promise<void>;
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * `fsync`: the append-only file's (tests: always, so a SIGKILL loses nothing; the bench: everysec,
 * as advised for production). `hz`: Redis's clock ticks a second (the bench: 100, as advised).
 */
export async function startRedis(dir: string, opts: { fsync?: 'always' | 'everysec'; hz?: number } = {}): Promise<RedisServer> {
  const port = await freePort();
  const data = path.join(dir, `redis-${port}`);
  fs.mkdirSync(data, { recursive: true });
  const pidfile = path.join(data, 'pid');
  const pid = () => Number(fs.readFileSync(pidfile, 'utf8'));
  const server: RedisServer = {
    port,
    url: (queue) => `redis://127.0.0.1:${port}/0?queue=${queue}`,
    start: async () => {
      const r = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', '', '--appendonly', 'yes',
        '--appendfsync', opts.fsync ?? 'always', '--hz', String(opts.hz ?? 10), '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', path.join(data, 'log')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`redis-server did not start: ${r.stderr}`);
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error(`redis-server on ${port} did not answer in 10 s`);
    },
    kill: () => {
      try {
        const p = pid();
        process.kill(p, 'SIGKILL');
        const until = Date.now() + 5000;
        while (Date.now() < until && fs.existsSync(`/proc/${p}`)) spawnSync('sleep', ['0.02']);
      } catch {
        // gone already
      }
      fs.rmSync(pidfile, { force: true });
    },
    stop: () => {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore' });
      server.kill();
    },
  };
  await server.start();
  started.add(server);
  return server;
}

// A daemon outlives the test file that started it: one left running (the file failed before its
// teardown, or was stopped by the runner) is killed when the file's process exits.
const started = new Set<RedisServer>();
process.on('exit', () => {
  for (const s of started) s.kill();
});
