/**
 * Issue 12, case 5: a full disk. The tree lives on a 2 MB tmpfs that the test fills with a
 * filler file until ENOSPC. Nothing is half-written, "queued" IDs are exactly the tasks queued,
 * and a worker on a full disk leaves its queue untouched and resumes by itself when space returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli } from '../helpers.ts';
import { assertOneCleanLine, assertWhole, enqueue, env, faultSuite, field, fillDisk, freeBytes, init, ls, mountTmpfs, probe, rootTest, sleep, stateOf, textLines, until, waitTill, worker } from './harness.ts';

const D = faultSuite('faults: full disk');

/** A tree on a fresh 2 MB tmpfs under dir; returns the root and the filler path. */
async function smallDisk(dir: string): Promise<{ root: string; filler: string; mnt: string }> {
  const mnt = path.join(dir, 'mnt');
  mountTmpfs(mnt, '2m');
  const root = path.join(mnt, 'tree');
  await init(root);
  return { root, filler: path.join(mnt, 'filler'), mnt };
}

const why = 'needs root to mount a tmpfs';

rootTest(D, 'full disk: a single tasks-enqueue exits non-zero with one "no space left" line; queue/ and tmp/ stay empty', async ({ dir }) => {
  const { root, filler, mnt } = await smallDisk(dir);
  fillDisk(filler);
  assert.is(freeBytes(mnt), 0, 'the disk is full');
  const r = await cli(['tasks-enqueue', '--', 'echo hi'], { env: env(root) });
  assert.is.not(r.code, 0, `exit non-zero: ${r.stdout}`);
  assert.is(r.stdout, '', 'no ID printed');
  assertOneCleanLine(r, 'tasks-enqueue');
  assert.match(r.stderr, /no space left/i);
  assert.equal([ls(root, 'queue'), ls(root, 'tmp')], [[], []]);
}, why);

rootTest(D, 'nearly full disk: bulk --stdin prints exactly the IDs it queued and "queued N of M; stopped at line K: no space left on device"', async ({ dir }) => {
  const { root, filler, mnt } = await smallDisk(dir);
  fillDisk(filler);
  // Leave room for some tens of task files (tmpfs gives each file at least one 4 KiB page).
  fs.truncateSync(filler, fs.statSync(filler).size - 200 * 1024);
  assert.ok(freeBytes(mnt) > 0);
  const M = 5000;
  const input = Array.from({ length: M }, (_, i) => `echo line-${i + 1}`).join('\n') + '\n';
  const r = await cli(['tasks-enqueue', '--stdin'], { env: env(root), input, timeoutMs: 60000 });
  const ids = textLines(r.stdout);
  assert.is.not(r.code, 0, 'exit non-zero when not every line was queued');
  assertOneCleanLine(r, 'tasks-enqueue --stdin');
  const m = /queued (\d+) of (\d+); stopped at line (\d+): no space left on device/.exec(r.stderr);
  assert.ok(m, `the summary line: ${r.stderr}`);
  const [n, of, k] = [Number(m![1]), Number(m![2]), Number(m![3])];
  assert.is(n, ids.length, 'N is the number of IDs printed');
  assert.is(of, M);
  assert.ok(n > 0, 'some lines fitted');
  assert.ok(k > n && k <= M, `stopped at a line after the queued ones: K=${k}, N=${n}`);
  const queued = ls(root, 'queue');
  assert.is(queued.length, n, `queue/ holds exactly the ${n} printed tasks, not ${queued.length}`);
  for (const id of ids) assert.is(stateOf(root, id), 'queue', `printed ID ${id} is queued`);
  assert.equal(ls(root, 'tmp'), [], 'tmp/ is clean');
}, why);

/**
 * Claims on a full disk. `workerFirst`: a worker is already running and the tasks come due after
 * the disk filled (the issue's case); otherwise the worker starts on the full disk.
 */
async function claimsOnFullDisk(dir: string, workerFirst: boolean): Promise<void> {
  const { root, filler } = await smallDisk(dir);
  const markers = path.join(dir, 'markers');
  fs.mkdirSync(markers);
  const w0 = workerFirst ? worker(root, ['--id', '0']) : undefined;
  if (w0) await probe(root, w0);
  // Each task file fills its 4 KiB page to within a few bytes, so that any record written for it
  // (appended in place, or a new version staged in tmp/) needs a new page: the pad is measured
  // on a scratch tree with the same options and an ID of the same length.
  const later = workerFirst ? ['--in', '3s'] : [];
  const args = (id: string, pad: number) => [...later, '--id', id, '-e', `PAD=${'x'.repeat(pad)}`, '--', `touch ${markers}/$TASK_ID`];
  const scratch = path.join(dir, 'scratch');
  await init(scratch);
  await enqueue(scratch, ...args('fullZ', 3000));
  const pad = 3000 + 4090 - fs.statSync(path.join(scratch, 'queue', ls(scratch, 'queue')[0])).size;
  const ids: string[] = [];
  for (const id of ['fullA', 'fullB', 'fullC']) ids.push(await enqueue(root, ...args(id, pad)));
  assert.ok(ls(root, 'queue').every((n) => fs.statSync(path.join(root, 'queue', n)).size === 4090), 'each file is 4090 bytes');
  const before = new Map(ls(root, 'queue').map((n) => [n, fs.readFileSync(path.join(root, 'queue', n))]));
  const doneBefore = ls(root, 'done').length;
  assert.is(before.size, 3);
  fillDisk(filler);
  const w = w0 ?? worker(root, ['--id', '0']);
  const where = () => `queue: ${ls(root, 'queue').length}, running: ${ls(root, 'running').length}, failed: ${ls(root, 'failed').length}, done: ${ls(root, 'done').length}, markers: ${fs.readdirSync(markers).length}; worker ${w.exitCode === null ? 'alive' : `exited ${w.exitCode}`}, printed:\n${w.out().slice(-600)}`;
  await waitTill('the worker says "no space left"', () => /no space left/i.test(w.out()), 20000, where);
  await sleep(2000); // let it retry on the full disk for a while
  assert.equal(fs.readdirSync(markers), [], 'no task ran on the full disk');
  // One snapshot: the worker keeps trying (a claim, given back whole), so a task may be in running/ for a moment.
  await waitTill('every task back in queue/, byte-identical, and nothing elsewhere', () => {
    const now = ls(root, 'queue');
    const elsewhere = [ls(root, 'running'), ls(root, 'failed'), ls(root, 'done').slice(doneBefore)].flat();
    return elsewhere.length === 0 && now.length === 3 && now.every((n) => before.get(n)?.equals(fs.readFileSync(path.join(root, 'queue', n))));
  }, 10000, where);
  assert.equal([ls(root, 'failed'), ls(root, 'done').length], [[], doneBefore]);
  assert.is(w.exitCode, null, `the worker is still running: ${w.out().slice(-500)}`);
  fs.rmSync(filler);
  for (const id of ids) await until(root, id, 'done', 30000, where);
  assert.equal(fs.readdirSync(markers).sort(), [...ids].sort());
  assert.is(w.exitCode, null, 'the same worker did it, without a restart');
  assert.is((w.out().match(/no space left/gi) ?? []).length, 1, `"no space left" said once, not per task:\n${w.out()}`);
}

rootTest(D, 'a worker started on a full disk: "no space left" once, nothing runs, queued files stay byte-identical; work resumes when space returns', ({ dir }) => claimsOnFullDisk(dir, false), why);

rootTest(D, 'tasks coming due on a full disk under a running worker: never half-recorded or failed; they run once space returns', ({ dir }) => claimsOnFullDisk(dir, true), why);

rootTest(D, 'a task whose output fills the disk: its log takes what fits, it fails with log-error, and its record lands whole once space returns', async ({ dir }) => {
  const { root, filler, mnt } = await smallDisk(dir);
  const w = worker(root, ['--id', '0']);
  await probe(root, w);
  fillDisk(filler);
  fs.truncateSync(filler, fs.statSync(filler).size - 256 * 1024); // room for a little output
  assert.ok(freeBytes(mnt) > 0);
  const id = await enqueue(root, '--', "head -c 1000000 /dev/zero | tr '\\0' x; echo the-end >&2");
  // The log filled the disk. The task ends; its record lands now if the file's last page has
  // room for it, else once space returns (the worker holds it meanwhile, "waiting for space").
  await waitTill('the task ended, or waits for space to settle', () => stateOf(root, id) === 'failed' || /waiting for space/.test(w.out()), 20000, () => w.out().slice(-600));
  fs.rmSync(filler);
  await until(root, id, 'failed', 20000, () => w.out().slice(-600));
  const found = assertWhole(root, id, 'failed', 'failed');
  assert.match(field(found.text, 'REASON') ?? '', /^log-error: write .*: No space left on device/);
  assert.is(field(found.text, 'EXIT'), '0', 'the command itself ran to its end');
  assert.ok(fs.statSync(path.join(root, 'logs', `${id}.out`)).size > 0, 'the log kept what fitted');
  assert.equal(ls(root, 'tmp'), []);
  assert.is(w.exitCode, null, 'the worker carried on');
}, why);

D.run();
