/** A worker on the Redis backend: the same loop and launcher as on the tree, over redisWorkerStore. */
import { runWorker } from '../worker/loop.js';
import { PerlLauncher } from '../worker/perl-launcher.js';
import { chooseLauncher } from '../worker/choose-launcher.js';
import { HEARTBEAT_MS, leaseMs } from '../queue/workers.js';
import { parseBackend } from './connect.js';
import { redisWorkerStore } from './worker-store.js';
import { lockMs } from './lock-ms.js';

export interface RedisWorkerStart {
  url: string;
  id?: string;
  label?: string;
  untilEmpty?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function startRedisWorker(o: RedisWorkerStart): Promise<void> {
  const env = o.env ?? process.env;
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  // Its tasks inherit it (through the launcher), so a task command run by a task (a nested
  // enqueue, tasks-wait) reaches the same backend, also when the worker was given --backend.
  process.env.TASK_BACKEND = o.url;
  const launcher = new PerlLauncher({ ...chooseLauncher(env), paneFds: [1, 2], leaseMs: leaseMs(env) });
  const killGraceMs = 5000;
  const store = await redisWorkerStore({ backend: parseBackend(o.url), label: o.label, holder: launcher, lockMs: lockMs(env), killGraceMs });
  await runWorker(
    { store, launcher, clock: { now: Date.now }, pane: { out: process.stdout }, signals: process },
    { id: o.id, label: o.label, untilEmpty: o.untilEmpty, rescanMs: 2000, staleCheckMs: lockMs(env), killGraceMs, noSpaceRetryMs: 1000, heartbeatMs: HEARTBEAT_MS },
  );
}
