/**
 * `npm run bench`: tmux-orc side by side with task-spooler, nq, GNU parallel and the xargs floor,
 * on this machine, in one run. Prints one markdown table of medians with our/peer ratios and the
 * targets of issue #5, and writes the same to bench/results/latest.md (and a timestamped copy).
 *
 * Environment: BENCH_RUNS (runs per scenario, default 3; the drains run at least 5), BENCH_ONLY (e.g. "1,2,6"; "3c": the shell loop alone; "7": a group's cost; "8": logs search alone; "9": the agent work queue alone; "serve": the HTTP server; "faces": top and the dashboard; "redis": the Redis backend),,
 * BENCH_SCALE (tasks in scenarios 5, serve and faces, default 100000), BENCH_WINDOW_MS (drain window, 20000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cleanupAll, cleanupOnExit, keepDirsUntilExit, median, REPO } from './measure.js';
import { bulkEnqueue, cliArgs, drain, frontEnqueues, latency, nodeRun, scale, singleEnqueues } from './ours.js';
import { available, installLine, nqDrain, nqSubmits, parallelDrain, PEERS, tspDrain, tspSubmits, xargsDrain, type Peer } from './peers.js';
import { tempDir, removeDir } from './measure.js';
import { redisBench } from './redis.js';
import { writeChart } from './chart.js';
import { dashboardFirstRender, facesTree, topRefresh } from './faces.js';
import { serveBench } from './serve.js';
import { ensureTree, tree } from '../src/queue/tree.js';
import { makeLogs, searchRun } from './search.js';
import { agentQueueLatency } from './agents.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The drains are short and the peers' rates swing most: their medians take more rounds. */
const DRAIN_RUNS = Math.max(RUNS, 5);
const ALL = '1,2,3,4,5,6,7,8,9,serve,faces,redis';
const ONLY = new Set((process.env.BENCH_ONLY ?? ALL).split(',').map((s) => s.trim()));
const SCALE = Number(process.env.BENCH_SCALE ?? 100_000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20_000);
const N = 1000;
const WORKERS = 4;

type Cell = { value: number; unit: string; better: 'higher' | 'lower' } | { skipped: string } | undefined;
interface Row {
  scenario: string;
  ours: Cell;
  peers: Partial<Record<Peer['key'], Cell>>;
}

const rows: Row[] = [];
const targets: Array<{ target: string; measured: string; met: boolean }> = [];
const log = (s: string) => process.stderr.write(`${s}\n`);

const per = (unit: string, value: number): Cell => ({ value, unit, better: unit.endsWith('/s') ? 'higher' : 'lower' });

/** Runs each contender once per round, in turn, so drift in machine load hits them all alike. */
async function sideBySide(
  scenario: string,
  ours: () => Promise<number>,
  peers: Partial<Record<Peer['key'], () => Promise<number>>>,
  unit = 'tasks/s',
  runs = RUNS,
): Promise<Row> {
  log(`${scenario}`);
  const samples: Record<string, number[]> = { ours: [] };
  const skipped: Record<string, string> = {};
  for (const p of PEERS) {
    if (!peers[p.key]) continue;
    if (!available(p)) skipped[p.key] = `skipped (install: ${installLine(p)})`;
    else samples[p.key] = [];
  }
  for (let r = 0; r < runs; r++) {
    for (const key of Object.keys(samples)) {
      const fn = key === 'ours' ? ours : peers[key as Peer['key']]!;
      const v = await fn();
      samples[key].push(v);
      log(`  run ${r + 1}/${runs} ${key}: ${v.toFixed(1)} ${unit}`);
    }
  }
  const row: Row = { scenario, ours: per(unit, median(samples.ours)), peers: {} };
  for (const p of PEERS) {
    if (skipped[p.key]) row.peers[p.key] = { skipped: skipped[p.key] };
    else if (samples[p.key]) row.peers[p.key] = per(unit, median(samples[p.key]));
  }
  rows.push(row);
  return row;
}

const num = (c: Cell) => (c && 'value' in c ? c.value : NaN);
function fmt(v: number, unit: string): string {
  if (!Number.isFinite(v)) return 'n/a';
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

function cellText(c: Cell, ours?: Cell): string {
  if (!c) return '—';
  if ('skipped' in c) return c.skipped;
  const base = fmt(c.value, c.unit);
  if (!ours || !('value' in ours)) return base;
  // our/peer as "how many times the peer's figure we reach": for rates ours/peer, for times peer/ours.
  const ratio = c.better === 'higher' ? ours.value / c.value : c.value / ours.value;
  return `${base} (ours ×${ratio.toFixed(2)})`;
}

function table(): string {
  const head = ['Scenario', 'tmux-orc', ...PEERS.map((p) => p.name)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.scenario, cellText(r.ours), ...PEERS.map((p) => cellText(r.peers[p.key], r.ours))].join(' | ')} |`);
  return lines.join('\n');
}

function targetTable(): string {
  const lines = ['| Target (issue #5 unless named) | Measured | Met |', '|---|---|---|'];
  for (const t of targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? '?';
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return `${new Date().toISOString()} · commit ${commit} · Node ${process.version} · ${os.cpus().length} × ${cpu} · load average ${load} · ${RUNS} runs per scenario (drains ${DRAIN_RUNS})`;
}

async function main(): Promise<void> {
  cleanupOnExit();
  // No scenario may be timed right after another one's trees were deleted (see keepDirsUntilExit).
  keepDirsUntilExit();
  const missing = PEERS.filter((p) => !available(p));
  for (const p of missing) log(`peer ${p.name} missing: ${installLine(p)} (or scripts/install-peers.sh)`);
  const loadBefore = os.loadavg()[0];

  let drain1k = NaN;
  if (ONLY.has('1')) {
    const r = await sideBySide(`1. drain ${N.toLocaleString('en-US')} \`true\`, ${WORKERS} workers`, () => drain(N, 'true', WORKERS), {
      tsp: () => tspDrain(N, 'true', WORKERS),
      nq: () => nqDrain(N, 'true', WORKERS),
      parallel: () => parallelDrain(N, 'true', WORKERS),
      xargs: () => xargsDrain(N, 'true', WORKERS),
    }, 'tasks/s', DRAIN_RUNS);
    drain1k = num(r.ours);
    const tsp = num(r.peers.tsp);
    const xa = num(r.peers.xargs);
    const tspMeasured = Number.isNaN(tsp) ? 'not measured: tsp skipped (scripts/install-peers.sh)' : `${fmt(drain1k, 'tasks/s')} vs ${fmt(tsp, 'tasks/s')} (×${(drain1k / tsp).toFixed(2)})`;
    targets.push({ target: 'drain 1,000 `true`, 4 workers ≥ `tsp -S 4`', measured: tspMeasured, met: drain1k >= tsp });
    targets.push({ target: '… and ≥ 40% of the `xargs -P4` floor', measured: `${((100 * drain1k) / xa).toFixed(0)}% of ${fmt(xa, 'tasks/s')}`, met: drain1k >= 0.4 * xa });
  }
  if (ONLY.has('2')) {
    await sideBySide(`2. drain ${N.toLocaleString('en-US')} \`sleep 0.01\`, ${WORKERS} workers`, () => drain(N, 'sleep 0.01', WORKERS), {
      tsp: () => tspDrain(N, 'sleep 0.01', WORKERS),
      nq: () => nqDrain(N, 'sleep 0.01', WORKERS),
      parallel: () => parallelDrain(N, 'sleep 0.01', WORKERS),
      xargs: () => xargsDrain(N, 'sleep 0.01', WORKERS),
    }, 'tasks/s', DRAIN_RUNS);
  }
  /** The loop users type, through the shell front end; issue 14's target. */
  const shellLoop = async () => {
    const r = await sideBySide('3c. enqueue: 300 single submits from a bash loop (`tmux-orc` = bin/tmux-orc, its shell front end)', () => frontEnqueues(300), {
      tsp: () => tspSubmits(300),
      nq: () => nqSubmits(300),
    });
    const ours = num(r.ours);
    const peers = (['tsp', 'nq'] as const).filter((k) => Number.isFinite(num(r.peers[k]))).map((k) => `${k} ${fmt(num(r.peers[k]), 'tasks/s')}`);
    targets.push({ target: 'issue 14: single enqueues from a shell loop ≥ 100/s', measured: `${fmt(ours, 'tasks/s')}${peers.length ? ` (${peers.join(', ')})` : ''}`, met: ours >= 100 });
  };
  if (ONLY.has('3')) {
    await sideBySide('3a. enqueue: 200 single submits from a shell loop (`node dist/cli.cjs`)', () => singleEnqueues(200), {
      tsp: () => tspSubmits(200),
      nq: () => nqSubmits(200),
    });
    log('3b. bulk enqueue 10,000 (--stdin)');
    const rates: number[] = [];
    const sys: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await bulkEnqueue(10_000);
      rates.push(r.rate);
      sys.push(r.sys);
      log(`  bulk run ${i + 1}/${RUNS}: ${r.rate.toFixed(1)} (${r.sys.toFixed(2)} s in the kernel)`);
    }
    const bulk = median(rates);
    // Kernel time tells a slow run apart: ~0.6 s normally, several seconds when the tree landed in an
    // ext4 block group whose inodes were deleted in the last minutes (see keepDirsUntilExit).
    rows.push({ scenario: `3b. bulk enqueue 10,000 (\`--stdin\`, one process; ${median(sys).toFixed(1)} s kernel time)`, ours: per('tasks/s', bulk), peers: {} });
    targets.push({ target: 'bulk enqueue ≥ 5,000 tasks/s', measured: fmt(bulk, 'tasks/s'), met: bulk >= 5000 });
    await shellLoop();
  } else if (ONLY.has('3c')) {
    await shellLoop();
  }
  if (ONLY.has('4')) {
    log('4. enqueue → start latency, idle worker');
    const l = await latency(Math.max(60, 40 * RUNS));
    rows.push({ scenario: `4a. enqueue → start latency p50 (idle worker, ${l.all.length} tasks)`, ours: per('ms', l.p50), peers: {} });
    rows.push({ scenario: '4b. enqueue → start latency p95', ours: per('ms', l.p95), peers: {} });
    targets.push({ target: 'enqueue → start p50 ≤ 10 ms', measured: fmt(l.p50, 'ms'), met: l.p50 <= 10 });
    targets.push({ target: 'enqueue → start p95 ≤ 50 ms', measured: fmt(l.p95, 'ms'), met: l.p95 <= 50 });
  }
  if (ONLY.has('5')) {
    log(`5. scale: ${SCALE.toLocaleString('en-US')} queued`);
    const s = await scale(SCALE, WORKERS, WINDOW_MS, RUNS);
    log(`  ${JSON.stringify(s)}`);
    const k = SCALE.toLocaleString('en-US');
    const listSeconds = median(s.listSamples);
    rows.push({ scenario: `5a. ${k} queued: bulk enqueue`, ours: per('tasks/s', s.enqueueRate), peers: {} });
    rows.push({ scenario: `5b. ${k} queued: \`tasks-list\` (${s.listSamples.map((x) => x.toFixed(2)).join(', ')} s)`, ours: per('s', listSeconds), peers: {} });
    rows.push({ scenario: `5c. ${k} queued: ${WORKERS} workers ready`, ours: per('s', s.startupSeconds), peers: {} });
    rows.push({ scenario: `5d. ${k} queued: drain rate (${(WINDOW_MS / 1000).toFixed(0)} s window, ${s.drained.toLocaleString('en-US')} done)`, ours: per('tasks/s', s.drainRate), peers: {} });
    rows.push({ scenario: `5e. ${k} queued: worker peak RSS`, ours: per('MB', s.peakMb), peers: {} });
    if (Number.isFinite(drain1k)) {
      targets.push({ target: '100k queued: drain rate ≥ 80% of the 1,000-task rate', measured: `${fmt(s.drainRate, 'tasks/s')} = ${((100 * s.drainRate) / drain1k).toFixed(0)}% of ${fmt(drain1k, 'tasks/s')}`, met: s.drainRate >= 0.8 * drain1k });
    }
    targets.push({ target: '100k queued: `tasks-list` ≤ 2 s', measured: fmt(listSeconds, 's'), met: listSeconds <= 2 });
    targets.push({ target: '100k queued: worker RSS ≤ 80 MB', measured: fmt(s.peakMb, 'MB'), met: s.peakMb <= 80 });
  }
  if (ONLY.has('6')) {
    log('6. CLI start-up');
    const dir = tempDir('startup');
    try {
      const root = path.join(dir, 'tasks');
      ensureTree(tree(root)); // only tasks-init and init create a tree
      const samples = { bare: [] as number[], version: [] as number[], enqueue: [] as number[] };
      for (let i = 0; i < Math.max(10, 5 * RUNS); i++) {
        samples.bare.push(await nodeRun(['-e', '0']));
        samples.version.push(await nodeRun(cliArgs('--version')));
        samples.enqueue.push(await nodeRun(cliArgs('tasks-enqueue', '--root', root, '--', 'true')));
      }
      const [bare, version, enq] = [median(samples.bare), median(samples.version), median(samples.enqueue)];
      rows.push({ scenario: '6a. bare `node -e 0` (reference)', ours: per('ms', bare), peers: {} });
      const over = (ms: number) => (ms < 0 ? `${(-ms).toFixed(0)} ms under node` : `+${ms.toFixed(0)} ms over node`);
      rows.push({ scenario: `6b. \`tmux-orc --version\` (${over(version - bare)})`, ours: per('ms', version), peers: {} });
      rows.push({ scenario: `6c. one \`tasks-enqueue\` (${over(enq - bare)})`, ours: per('ms', enq), peers: {} });
      targets.push({ target: 'single enqueue within 30 ms of bare `node -e 0`', measured: `+${(enq - bare).toFixed(1)} ms (${fmt(enq, 'ms')} vs ${fmt(bare, 'ms')})`, met: enq - bare <= 30 });
    } finally {
      removeDir(dir);
    }
  }
  if (ONLY.has('redis')) {
    log('R. the Redis backend side by side with the tree');
    const r = await redisBench(RUNS, log);
    if ('skipped' in r) rows.push({ scenario: 'R. Redis backend', ours: { skipped: r.skipped }, peers: {} });
    else {
      rows.push({ scenario: 'R1. drain 1,000 `true`, 4 workers: tree', ours: per('tasks/s', r.treeDrain), peers: {} });
      rows.push({ scenario: 'R2. … the same on Redis', ours: per('tasks/s', r.redisDrain), peers: {} });
      rows.push({ scenario: 'R3. bulk enqueue 10,000: tree', ours: per('tasks/s', r.treeBulk), peers: {} });
      rows.push({ scenario: 'R4. … the same on Redis', ours: per('tasks/s', r.redisBulk), peers: {} });
      rows.push({ scenario: 'R5. Redis: enqueue → start p50 (idle worker)', ours: per('ms', r.p50), peers: {} });
      rows.push({ scenario: 'R6. Redis: enqueue → start p95', ours: per('ms', r.p95), peers: {} });
      rows.push({ scenario: `R7. Redis: drain 1,000 \`true\`, 2 hosts × 4 workers (${r.hostsHow})`, ours: per('tasks/s', r.hostsDrain), peers: {} });
      targets.push({ target: 'issue 20: Redis drain ≥ 80% of the tree\'s, same workers', measured: `${fmt(r.redisDrain, 'tasks/s')} = ${((100 * r.redisDrain) / r.treeDrain).toFixed(0)}% of ${fmt(r.treeDrain, 'tasks/s')}`, met: r.redisDrain >= 0.8 * r.treeDrain });
      targets.push({ target: 'issue 20: Redis bulk enqueue ≥ 5,000 tasks/s', measured: fmt(r.redisBulk, 'tasks/s'), met: r.redisBulk >= 5000 });
      targets.push({ target: 'issue 20: Redis enqueue → start p50 ≤ 10 ms', measured: fmt(r.p50, 'ms'), met: r.p50 <= 10 });
    }
  }


  if (ONLY.has('7')) {
    // Issue 18: a group whose limit is the number of workers costs each claim a slot (a flock in
    // the launcher) and each settle a release; the rounds alternate so drift hits both alike.
    log(`7. drain ${N.toLocaleString('en-US')} \`true\`, ${WORKERS} workers: in a group of --parallel ${WORKERS} vs ungrouped`);
    const plain: number[] = [];
    const grouped: number[] = [];
    for (let r = 0; r < DRAIN_RUNS; r++) {
      plain.push(await drain(N, 'true', WORKERS));
      grouped.push(await drain(N, 'true', WORKERS, WORKERS));
      log(`  run ${r + 1}/${DRAIN_RUNS}: ungrouped ${plain.at(-1)!.toFixed(1)}, grouped ${grouped.at(-1)!.toFixed(1)} tasks/s`);
    }
    const [p, g] = [median(plain), median(grouped)];
    rows.push({ scenario: `7a. drain ${N.toLocaleString('en-US')} \`true\`, ${WORKERS} workers, ungrouped`, ours: per('tasks/s', p), peers: {} });
    rows.push({ scenario: `7b. … all in one group of --parallel ${WORKERS}`, ours: per('tasks/s', g), peers: {} });
    targets.push({ target: 'issue 18: a group limit equal to the worker count drains within 10% of ungrouped', measured: `${fmt(g, 'tasks/s')} = ${((100 * g) / p).toFixed(0)}% of ${fmt(p, 'tasks/s')}`, met: g >= 0.9 * p });
  }
  if (ONLY.has('8')) {
    log('8. logs search over 10,000 task logs of 100 KB (page-cached)');
    const root = makeLogs(10_000, 100 * 1024);
    execFileSync('sync'); // the logs' writeback must not be timed as the search's reads
    const kinds = [['a', 'a fixed string', ['-F', 'needle-4711']], ['b', 'a regular expression', ['linker needle-[0-9]+ not']]] as const;
    const samples: Record<string, Array<{ seconds: number; peakMb: number }>> = { a: [], b: [] };
    // In turn, round by round, so drift in machine load hits both alike.
    for (let i = 0; i < RUNS; i++) {
      for (const [k, what, args] of kinds) {
        const r = await searchRun(root, [...args]);
        if (r.matches !== 10) throw new Error(`logs search found ${r.matches} lines, not 10`);
        samples[k].push(r);
        log(`  ${what} run ${i + 1}/${RUNS}: ${r.seconds.toFixed(2)} s, peak RSS ${r.peakMb.toFixed(1)} MB`);
      }
    }
    for (const [k, what] of kinds) {
      rows.push({ scenario: `8${k}. \`logs search\` 10,000 logs × 100 KB, ${what}: time`, ours: per('s', median(samples[k].map((x) => x.seconds))), peers: {} });
      rows.push({ scenario: `8${k}. … peak RSS`, ours: per('MB', median(samples[k].map((x) => x.peakMb))), peers: {} });
    }
  }
  if (ONLY.has('9')) {
    const turns = Math.max(20, 10 * RUNS);
    log(`9. agent work queue: idle → next turn delivered (${turns} turns)`);
    const a = await agentQueueLatency(turns);
    const timing = `quiet ${a.quietMs / 1000} s + debounce ${a.debounceMs / 1000} s`;
    rows.push({ scenario: `9a. agent idle → next turn delivered, p50 (${a.samples} turns; dispatcher tick + claim + verified paste)`, ours: per('ms', a.reaction.p50), peers: {} });
    rows.push({ scenario: '9b. agent idle → next turn delivered, p95', ours: per('ms', a.reaction.p95), peers: {} });
    rows.push({ scenario: `9c. prompt back → next turn delivered, p50 (${timing} before an agent counts as idle)`, ours: per('ms', a.gap.p50), peers: {} });
    rows.push({ scenario: '9d. prompt back → next turn delivered, p95', ours: per('ms', a.gap.p95), peers: {} });
    targets.push({ target: 'agent idle → next turn delivered within 1 s (p95)', measured: fmt(a.reaction.p95, 'ms'), met: a.reaction.p95 <= 1000 });
  }

  if (ONLY.has('serve')) {
    log(`serve: ${SCALE.toLocaleString('en-US')} tasks in the tree`);
    const s = await serveBench(SCALE);
    log(`  ${JSON.stringify(s)}`);
    const k = SCALE.toLocaleString('en-US');
    rows.push({ scenario: `serve a. ${k} tasks: start-up (index loaded)`, ours: per('s', s.startupSeconds), peers: {} });
    rows.push({ scenario: `serve b. ${k} tasks: GET /api/tasks?limit=50 p50 (p95 ${fmt(s.list.p95, 'ms')})`, ours: per('ms', s.list.p50), peers: {} });
    rows.push({ scenario: `serve c. ${k} tasks: GET /metrics p50 (p95 ${fmt(s.metrics.p95, 'ms')})`, ours: per('ms', s.metrics.p50), peers: {} });
    rows.push({ scenario: `serve d. file change → SSE event p50 (p95 ${fmt(s.event.p95, 'ms')})`, ours: per('ms', s.event.p50), peers: {} });
    rows.push({ scenario: `serve e. ${k} tasks: RSS (peak ${fmt(s.peakMb, 'MB')})`, ours: per('MB', s.rssMb), peers: {} });
    targets.push({ target: 'issue 16: GET /api/tasks?limit=50 p50 ≤ 20 ms, p95 ≤ 50 ms', measured: `${fmt(s.list.p50, 'ms')} / ${fmt(s.list.p95, 'ms')}`, met: s.list.p50 <= 20 && s.list.p95 <= 50 });
    targets.push({ target: 'issue 16: GET /metrics p50 ≤ 20 ms, p95 ≤ 50 ms', measured: `${fmt(s.metrics.p50, 'ms')} / ${fmt(s.metrics.p95, 'ms')}`, met: s.metrics.p50 <= 20 && s.metrics.p95 <= 50 });
    targets.push({ target: 'issue 16: file change → SSE event p50 ≤ 50 ms', measured: fmt(s.event.p50, 'ms'), met: s.event.p50 <= 50 });
    targets.push({ target: 'issue 16: server RSS at 100k tasks ≤ 150 MB', measured: `${fmt(s.rssMb, 'MB')} (peak ${fmt(s.peakMb, 'MB')})`, met: s.peakMb <= 150 });
  }

  if (ONLY.has('faces')) {
    log(`faces: ${SCALE.toLocaleString('en-US')} queued`);
    const dir = tempDir('faces');
    try {
      const root = await facesTree(dir, SCALE);
      const k = SCALE.toLocaleString('en-US');
      const top = await topRefresh(root, Math.max(10, 5 * RUNS));
      log(`  top: first ${top.firstMs.toFixed(1)} ms, refresh ${top.refreshMs.toFixed(1)} ms`);
      rows.push({ scenario: `faces a. ${k} queued: \`top\` refresh (one look at the tree + one frame; the first: ${top.firstMs.toFixed(0)} ms)`, ours: per('ms', top.refreshMs), peers: {} });
      const dash = await dashboardFirstRender(root, SCALE, Math.max(5, RUNS));
      if ('skipped' in dash) {
        rows.push({ scenario: `faces b. ${k} queued: dashboard first render`, ours: { skipped: dash.skipped }, peers: {} });
      } else {
        log(`  dashboard: first render ${dash.firstRenderMs.toFixed(0)} ms (server ready in ${dash.serverStartS.toFixed(1)} s)`);
        rows.push({ scenario: `faces b. ${k} queued: dashboard first render, warm server (Chromium, navigation to counts shown; server ready in ${dash.serverStartS.toFixed(1)} s)`, ours: per('ms', dash.firstRenderMs), peers: {} });
        targets.push({ target: 'issue 17: dashboard first render with 100k tasks ≤ 1 s (warm server)', measured: fmt(dash.firstRenderMs, 'ms'), met: dash.firstRenderMs <= 1000 });
      }
    } finally {
      removeDir(dir);
    }
  }

  const md = [
    '# tmux-orc benchmark',
    '',
    `${machine()} · load average at start ${loadBefore.toFixed(2)}`,
    '',
    'Medians. In peer columns, "ours ×R" is how many times the peer\'s figure tmux-orc reaches (rates: ours/peer; times: peer/ours); ×1.00 or more is as good or better.',
    'Drains: tmux-orc is timed warm (tasks queued with a start time, workers ready before it, clock from that time to the last task\'s FINISHED record; each worker\'s pane is a file, as tsp\'s and nq\'s job output is); tsp and nq from the first submit of a shell loop to the last job\'s end (tsp stalls near 1,000 held jobs, so it cannot be held back); parallel and xargs whole (start-up included). tsp and xargs exec `true` themselves; so does tmux-orc for a line of plain words (as `bash -c` would; anything with shell syntax runs with `bash -c`), each task in its own process group, its PGID recorded in its task file before it runs, its output piped to the pane and to log files created on its first byte.',
    '',
    table(),
    '',
    targetTable(),
    '',
  ].join('\n');
  process.stdout.write(`${md}\n`);
  const dir = path.join(REPO, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  if (ONLY.size === ALL.split(',').length || process.env.BENCH_WRITE) {
    fs.writeFileSync(path.join(dir, 'latest.md'), md);
    log(`chart: ${writeChart(path.join(dir, 'latest.md'))}`);
  }
  fs.writeFileSync(path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.md`), md);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  cleanupAll();
  // Exit now: tsx's esbuild service child (started by `node --import tsx`) could otherwise keep
  // the process alive after the summary line (the stress run did, until a CI timeout).
  process.exit();
}
