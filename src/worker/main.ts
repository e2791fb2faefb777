/** A worker with its real dependencies: the tree's store, the Perl launcher, the clock, the pane, process signals. */
import fs from 'node:fs';
import { treeWorkerStore } from '../queue/worker-store.js';
import { HEARTBEAT_MS, leaseMs } from '../queue/workers.js';
import { chooseLauncher } from './choose-launcher.js';
import { runWorker } from './loop.js';
import { PerlLauncher } from './perl-launcher.js';
import { logFormat } from '../log/logger.js';
import { durationFromEnv, sizeFromEnv, TASK_LOG_MAX_DEFAULT, TASK_LOG_MAX_MIN } from '../config/size.js';

export interface StartOptions {
  root: string;
  id?: string;
  label?: string;
  poll?: boolean;
  untilEmpty?: boolean;
  /** How often queue/ is read again (default 2 s, 0.5 s when polling). */
  rescanMs?: number;
  /** The pane: one descriptor for the worker's lines and its tasks' output (default: stdout and stderr). */
  paneFd?: number;
  /** `--log-format`; default TMUX_ORC_LOG_FORMAT (log_format), else text. */
  logFormat?: string;
  /** Defaults from the environment: TMUX_ORC_STALE_CHECK_MS, TMUX_ORC_LEASE_MS, TMUX_ORC_TASK_LOG_MAX, TMUX_ORC_RESCAN. */
  env?: NodeJS.ProcessEnv;
}

const ms = (v: string | undefined, fallback: number) => (v !== undefined && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : fallback);

export async function startWorker(o: StartOptions): Promise<void> {
  const env = o.env ?? process.env;
  const out: NodeJS.WritableStream = o.paneFd === undefined ? process.stdout : fs.createWriteStream('', { fd: o.paneFd, autoClose: false });
  const fds: [number, number] = o.paneFd === undefined ? [1, 2] : [o.paneFd, o.paneFd];
  // A pane or pipe that went away must not take the worker with it (EPIPE on write).
  out.on('error', () => {});
  process.stderr.on('error', () => {});
  const format = logFormat(env, o.logFormat);
  const logMax = sizeFromEnv(env, 'TMUX_ORC_TASK_LOG_MAX', TASK_LOG_MAX_DEFAULT, TASK_LOG_MAX_MIN);
  const rescanMs = o.rescanMs ?? durationFromEnv(env, 'TMUX_ORC_RESCAN', o.poll ? 500 : 2000);
  const launcher = new PerlLauncher({ ...chooseLauncher(env), paneFds: fds, leaseMs: leaseMs(env), logMax });
  const store = treeWorkerStore({ root: o.root, label: o.label, holder: launcher, poll: o.poll, rescanMs });
  await runWorker(
    { store, launcher, clock: { now: Date.now }, pane: { out }, signals: process },
    {
      id: o.id, label: o.label, untilEmpty: o.untilEmpty, rescanMs, logFormat: format,
      staleCheckMs: ms(env.TMUX_ORC_STALE_CHECK_MS, 10_000), killGraceMs: 5000, noSpaceRetryMs: 1000, heartbeatMs: HEARTBEAT_MS,
    },
  );
}
