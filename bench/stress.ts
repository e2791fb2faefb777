/**
 * `npm run stress`: the full-size stress scenarios (bench/stress-lib.ts), bounded in time and
 * load. Prints one summary line and exits non-zero on any violation.
 *
 * Environment: STRESS_TASKS (exactly-once tasks, default 20000), STRESS_CHAOS_S (default 60),
 * STRESS_FUZZ (junk files, default 1000), STRESS_FROZEN_ROUNDS (SIGSTOP rounds, default 8),
 * STRESS_DISK_ROUNDS (fill-the-disk rounds, default 4), STRESS_GATES_S (groups and locks under
 * chaos, default 30), STRESS_ONLY (e.g. "once,chaos"; the keys are once, chaos, fuzz, frozen, disk,
 * gates; all by default). The fault scenarios are in
 * bench/stress-faults.ts; "disk" needs root (a tmpfs mount) and says so in its summary otherwise.
 */
import { cleanupAll, cleanupOnExit } from './measure.js';
import { chaos, exactlyOnce, fuzz, type Outcome } from './stress-lib.js';
import { frozenWorker, fullDisk } from './stress-faults.js';
import { gatesChaos } from './stress-gates.js';

const only = new Set((process.env.STRESS_ONLY ?? 'once,chaos,fuzz,frozen,disk,gates').split(','));
const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<number> {
  cleanupOnExit();
  const t0 = Date.now();
  const outcomes: Outcome[] = [];
  const step = async (key: string, label: string, fn: () => Promise<Outcome>) => {
    if (!only.has(key)) return;
    log(`stress: ${label} …`);
    const t = Date.now();
    const o = await fn();
    log(`  ${o.summary} (${((Date.now() - t) / 1000).toFixed(0)} s)${o.violations.length ? `\n  VIOLATIONS:\n    ${o.violations.slice(0, 20).join('\n    ')}` : ''}`);
    outcomes.push(o);
  };
  await step('once', 'exactly-once', () => exactlyOnce({ workers: 8, tasks: Number(process.env.STRESS_TASKS ?? 20_000) }));
  await step('chaos', 'chaos', () => chaos({ workers: 4, seconds: Number(process.env.STRESS_CHAOS_S ?? 60), killEveryMs: 2000, batch: 400 }));
  await step('fuzz', 'fuzz', () => fuzz({ workers: 4, files: Number(process.env.STRESS_FUZZ ?? 1000), real: 200 }));
  await step('frozen', 'frozen worker', () => frozenWorker({ workers: 3, rounds: Number(process.env.STRESS_FROZEN_ROUNDS ?? 8), batch: 60 }));
  await step('gates', 'groups and locks under SIGKILL chaos', () => gatesChaos({ workers: 6, seconds: Number(process.env.STRESS_GATES_S ?? 30), killEveryMs: 1500, batch: 200 }));
  await step('disk', 'full disk', () => fullDisk({ workers: 2, rounds: Number(process.env.STRESS_DISK_ROUNDS ?? 4), batch: 120 }));
  const bad = outcomes.filter((o) => o.violations.length);
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  process.stdout.write(`stress ${bad.length ? 'FAILED' : 'ok'} in ${secs} s — ${outcomes.map((o) => `${o.summary}${o.violations.length ? ` [${o.violations.length} violations]` : ''}`).join('; ')}\n`);
  return bad.length ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`stress: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  cleanupAll();
  // Exit now: tsx's esbuild service child (started by `node --import tsx`) could otherwise keep
  // the process alive after the summary line (the stress run did, until a CI timeout).
  process.exit();
}
