import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decode } from '../../src/persist/codec.ts';
import { afterRun, backoffDelay, nextDue, readiness, stale, type DepState, type RunResult } from '../../src/queue/lifecycle.ts';
import { parseTask } from '../../src/queue/task.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const task = (extra = '') => parseTask(decode(`ID=t\nCMD=x\n${extra}`));
const run = (r: Partial<RunResult>): RunResult => ({ exitCode: 0, signal: null, timedOut: false, cancelled: false, durationMs: 5, ...r });
const get = (fields: Array<[string, string]>, k: string) => fields.findLast(([key]) => key === k)?.[1];

const outcomes: Array<[string, string, Partial<RunResult>, string, string | undefined]> = [
  ['exit 0', '', {}, 'done', 'done'],
  ['exit 3, no retries', '', { exitCode: 3 }, 'failed', 'failed'],
  ['signal', '', { exitCode: null, signal: 'SIGKILL' }, 'failed', 'failed'],
  ['timeout', 'TIMEOUT=5s\n', { exitCode: null, signal: 'SIGTERM', timedOut: true }, 'failed', 'timeout'],
  ['cancelled', '', { exitCode: null, signal: 'SIGTERM', cancelled: true }, 'failed', 'cancelled'],
  ['bad cwd', '', { exitCode: null, startError: 'bad-cwd: /nope is not a directory' }, 'failed', 'failed'],
  ['exit 1 with retries left', 'RETRIES=2\n', { exitCode: 1 }, 'queue', 'failed'],
  ['exit 1, retries spent', 'RETRIES=2\nATTEMPT=3\n', { exitCode: 1 }, 'failed', 'failed'],
  ['bad cwd is never retried', 'RETRIES=2\n', { exitCode: null, startError: 'bad-cwd: x' }, 'failed', 'failed'],
  ['recurring success', 'EVERY=1m\n', {}, 'queue', 'done'],
  ['recurring failure', 'EVERY=1m\n', { exitCode: 2 }, 'queue', 'failed'],
  ['recurring failure with retries left: retried, not a period later', 'EVERY=1h\nRETRIES=2\n', { exitCode: 9 }, 'queue', 'failed'],
];
for (const [name, extra, result, to, status] of outcomes) {
  test(`after a run: ${name} → ${to}`, () => {
    const m = afterRun(task(extra), run(result), NOW);
    assert.is(m.to, to);
    assert.is(get(m.append, 'STATUS'), status);
  });
}

test('retries back off exponentially from BACKOFF, capped', () => {
  assert.equal([1, 2, 3, 4].map((a) => backoffDelay(task(`BACKOFF=2s\nATTEMPT=${a}\n`))), [2000, 4000, 8000, 16000]);
  assert.is(backoffDelay(task('BACKOFF=1h\nATTEMPT=9\n')), 3_600_000);
  const m = afterRun(task('RETRIES=3\nBACKOFF=2s\nATTEMPT=2\n'), run({ exitCode: 1 }), NOW);
  assert.is(get(m.append, 'ATTEMPT'), '3');
  assert.is(Date.parse(get(m.append, 'DUE')!), NOW + 4000);
});

test('a recurring task retries a failed firing with backoff, then waits for its next period', () => {
  const retry = afterRun(task('EVERY=1h\nRETRIES=2\nBACKOFF=2s\n'), run({ exitCode: 9 }), NOW);
  assert.not.ok(retry.compact);
  assert.is(Date.parse(get(retry.append, 'DUE')!), NOW + 2000);
  const spent = afterRun(task('EVERY=1h\nRETRIES=2\nATTEMPT=3\n'), run({ exitCode: 9 }), NOW);
  assert.ok(spent.compact);
  assert.ok(Date.parse(get(spent.append, 'DUE')!) > NOW + 3_000_000);
});

test('a recurring task fires once after downtime, then stays on its period', () => {
  const due = NOW - 10 * 60_000 - 1000; // ten and a bit periods overdue
  const t = task(`EVERY=1m\nAT=${new Date(due).toISOString()}\n`);
  const next = nextDue(t, NOW);
  assert.ok(next > NOW && next <= NOW + 60_000);
  assert.is((next - due) % 60_000, 0);
  const m = afterRun(t, run({}), NOW);
  assert.ok(m.compact);
  assert.is(get(m.append, 'RUNS'), '1');
});

const dep = (states: Record<string, DepState>) => (id: string) => states[id] ?? 'missing';
const ready: Array<[string, string, Record<string, DepState>, string]> = [
  ['no deps', '', {}, 'ready'],
  ['not due', `AT=${new Date(NOW + 5000).toISOString()}\n`, {}, 'later'],
  ['deps done', 'AFTER=a,b\n', { a: 'done', b: 'done' }, 'ready'],
  ['dep pending', 'AFTER=a,b\n', { a: 'done', b: 'pending' }, 'blocked'],
  ['dep failed', 'AFTER=a,b\n', { a: 'failed', b: 'pending' }, 'doomed'],
  ['dep missing', 'AFTER=zz\n', {}, 'doomed'],
];
for (const [name, extra, states, kind] of ready) {
  test(`readiness: ${name} → ${kind}`, () => {
    const r = readiness(task(extra), NOW, dep(states));
    assert.is(r.kind, kind);
    if (r.kind === 'doomed') assert.match(get(r.move.append, 'REASON')!, /^dependency-(failed|missing)/);
  });
}

test('stale: requeued with attempt+1 once for free, failed with reason stale when spent', () => {
  const first = stale(task(), 'worker 1 gone', NOW);
  assert.is(first.to, 'queue');
  assert.is(get(first.append, 'ATTEMPT'), '2');
  const spent = stale(task('ATTEMPT=2\n'), 'worker 1 gone', NOW);
  assert.is(spent.to, 'failed');
  assert.match(get(spent.append, 'REASON')!, /^stale/);
  assert.is(stale(task('RETRIES=3\nATTEMPT=3\n'), 'x', NOW).to, 'queue');
});

test('an open run has an owner; a closed one does not', () => {
  const open = task('ATTEMPT=1\nWORKER=0\nHOST=h\nWORKER_PID=10\nWORKER_START=99\nSTARTED=2026-01-01T00:00:00Z\nPGID=11\n');
  assert.equal([open.owner?.worker, open.owner?.pid, open.owner?.pgid], ['0', 10, 11]);
  const closed = task('WORKER_PID=10\nSTATUS=failed\n');
  assert.is(closed.owner, undefined);
  // The claim token and the launcher's result belong to the open run only.
  const ran = task('WORKER_PID=10\nCLAIM=a\nEXIT=0\nSTATUS=done\nWORKER_PID=11\nCLAIM=b\n');
  assert.equal([ran.owner?.claim, ran.owner?.result], ['b', undefined]);
  assert.equal(task('WORKER_PID=11\nCLAIM=b\nSIGNAL=SIGKILL\n').owner?.result, { exit: undefined, signal: 'SIGKILL' });
});

test.run();
