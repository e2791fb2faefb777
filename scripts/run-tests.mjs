#!/usr/bin/env node
// Runs every test/**/*.test.ts file in its own process, a few at a time, and ends with uvu's own
// summary (Total, Passed, Skipped) summed over the files, which .ci/run reads.
//
// Why not uvu's CLI: it runs the files one after another in one process, and most of a file's
// time is spent waiting on tmux, workers and timers, not on the CPU; two lanes on two cores
// halve the wall time. A file in its own process also cannot leak state into the next one.
//
//   node scripts/run-tests.mjs [filter ...]   filters: substrings of the paths to run
//   TEST_JOBS=N                               lanes (default: 2, or the CPU count if lower)
//   TEST_FILE_TIMEOUT=S                       a file still running after S seconds fails (600)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filters = process.argv.slice(2);
const jobs = Math.max(1, Number(process.env.TEST_JOBS) || Math.min(2, os.availableParallelism()));
const fileTimeoutMs = (Number(process.env.TEST_FILE_TIMEOUT) || 600) * 1000;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

// The largest files start first: size is a fair guess at duration, so no lane is left with one
// long file at the end while the other is idle.
const files = testFiles(path.join(root, 'test'))
  .map((p) => path.relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort((a, b) => statSync(path.join(root, b)).size - statSync(path.join(root, a)).size);

/** The last `label: N` of uvu's summary in a file's output. */
const count = (text, label) => Number([...text.matchAll(new RegExp(`^\\s*${label}:\\s*(\\d+)`, 'gm'))].at(-1)?.[1] ?? NaN);

/** Process groups of the files still running: stopped with the runner (C-c, or CI's timeout). */
const live = new Set();
const stopGroup = (pid, sig) => {
  try {
    process.kill(-pid, sig);
  } catch {
    // gone already
  }
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of live) stopGroup(pid, 'SIGTERM'); // test/helpers.ts turns it into an exit, which cleans up
    process.exit(1);
  });
}

function runFile(file) {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout can stop all it started
    });
    live.add(child.pid);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child.pid, 'SIGTERM'); // test/helpers.ts turns it into an exit, which kills its tmux servers
      setTimeout(() => stopGroup(child.pid, 'SIGKILL'), 10_000).unref();
    }, fileTimeoutMs);

    let finished = false;
    const finish = (code, signal) => {
      if (finished) return;
      finished = true;
      const total = count(out, 'Total');
      const passed = count(out, 'Passed');
      const skipped = count(out, 'Skipped');
      // A file that dies before uvu's summary, or exits non-zero after it, counts one failure.
      const broken = timedOut || Number.isNaN(total) || (code !== 0 && passed === total);
      if (timedOut) out += `\nrun-tests: ${file} was stopped after ${fileTimeoutMs / 1000} s\n`;
      else if (broken) out += `\nrun-tests: ${file} exited with ${signal ?? code}\n`;
      resolve({
        file,
        ms: Date.now() - start,
        out,
        total: (Number.isNaN(total) ? 0 : total) + (broken ? 1 : 0),
        passed: Number.isNaN(passed) ? 0 : passed,
        skipped: Number.isNaN(skipped) ? 0 : skipped,
      });
    };
    // Done when the file's process has exited and its output is read; a grandchild that keeps the
    // pipe open (a stray sleep) gets a second, not the lane.
    child.on('exit', (code, signal) => {
      live.delete(child.pid);
      clearTimeout(timer);
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 1000);
      child.on('close', () => {
        clearTimeout(grace);
        finish(code, signal);
      });
    });
  });
}

const started = Date.now();
const results = [];
let next = 0;
async function lane() {
  while (next < files.length) {
    const r = await runFile(files[next++]);
    results.push(r);
    // Indented: only the summary below is read as the run's (.ci/run takes the last `Total:` line).
    const body = r.out.trimEnd().split('\n').map((l) => `│ ${l}`).join('\n');
    process.stdout.write(`\n── ${r.file} (${(r.ms / 1000).toFixed(1)} s)\n${body}\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, lane));

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const failedFiles = results.filter((r) => r.passed < r.total);
const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 8);
process.stdout.write(`\nslowest files: ${slowest.map((r) => `${r.file} ${(r.ms / 1000).toFixed(0)} s`).join(', ')}\n`);
if (failedFiles.length) process.stdout.write(`failed in: ${failedFiles.map((r) => r.file).join(', ')}\n`);
process.stdout.write(`\n  Total:     ${sum('total')}\n  Passed:    ${sum('passed')}\n  Skipped:   ${sum('skipped')}\n`);
process.stdout.write(`  Duration:  ${((Date.now() - started) / 1000).toFixed(1)}s (${files.length} files, ${jobs} at a time)\n\n`);
process.exitCode = failedFiles.length ? 1 : 0;
