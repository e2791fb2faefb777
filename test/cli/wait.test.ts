/**
 * Honest waiting (issue 14 point 4 and 7): --wait refuses what cannot end, says when no worker
 * runs, ends with an outcome line and the task's exit code, works with --stdin; tasks-tail -f
 * follows both streams, says what a queued task waits for, and exits with the task's code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, exited, killAll, names, start, tempDir, testEnv, waitFor } from '../helpers.ts';

const T = suite<{ dir: string; root: string }>('waiting');
T.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  assert.is((await cli(['tasks-init'], { env: testEnv(ctx.root) })).code, 0);
});
T.after.each((ctx) => {
  killAll();
  cleanup(ctx.dir);
});

const run = (root: string, args: string[], input?: string) => cli(args, { env: testEnv(root), input });
async function worker(root: string) {
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  await waitFor('worker ready', () => w.out().includes('ready'), 15_000);
  return w;
}

T('--wait with --every is refused (exit 2, one line), nothing queued', async ({ root }) => {
  const r = await run(root, ['tasks-enqueue', '--every', '1m', '--wait', 'true']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^tmux-orc: --wait cannot be used with --every: a recurring task never ends/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.equal(names(root, 'queue'), []);
});

T('--wait with no worker says so once, then waits; the outcome line and the exit code are the task\'s', async ({ root }) => {
  const waiting = run(root, ['tasks-enqueue', '--wait', 'sh', '-c', 'sleep 0.2; exit 7']);
  await waitFor('queued', () => names(root, 'queue').length === 1, 10_000);
  await new Promise((r) => setTimeout(r, 1500)); // past a tick: the notice is not repeated
  await worker(root);
  const r = await waiting;
  assert.is(r.code, 7, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^tmux-orc: queued; no worker is running on .*: start one with tmux-orc tasks-start/);
  assert.match(lines[1], /^t[0-9a-z]+: failed: exit 7 after \d+\.\ds$/);
  assert.is(lines.length, 2, r.stderr);
  assert.match(r.stdout, /^t[0-9a-z]+\n$/, 'stdout keeps only the ID');
  const ok = await run(root, ['tasks-enqueue', '-w', 'true']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /^t[0-9a-z]+: done in \d+\.\ds\n$/, 'a live worker: no notice, just the outcome');
});

T('--wait --timeout: a timeout ends with "failed: timeout after 1s" and exit 124', async ({ root }) => {
  await worker(root);
  const r = await run(root, ['tasks-enqueue', '--wait', '--timeout', '1s', 'sleep', '30']);
  assert.is(r.code, 124, r.stderr);
  assert.match(r.stderr, /^t[0-9a-z]+: failed: timeout after 1s \(exit code 124\)\n$/);
});

T('--stdin --wait waits for every task: one outcome line each, exit with the first failure\'s code', async ({ root }) => {
  await worker(root);
  const r = await run(root, ['tasks-enqueue', '--stdin', '--wait'], 'true\n# a comment\nexit 3\nsleep 0.3; exit 4\necho fine\n');
  assert.is(r.code, 3, r.stderr);
  const ids = r.stdout.trim().split('\n');
  assert.is(ids.length, 4);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 4, r.stderr);
  for (const id of ids) assert.ok(lines.some((l) => l.startsWith(`${id}: `)), `${id} has an outcome line`);
  assert.is(names(root, 'queue').length + names(root, 'running').length, 0, 'all ended before --wait returned');
});

T('tasks-tail -f: announces a delayed task, follows stdout and stderr to their own streams, ends with the outcome and the exit code', async ({ root }) => {
  const id = (await run(root, ['tasks-enqueue', '--in', '1s', 'sh', '-c', 'echo to-out; echo to-err >&2; sleep 0.2; echo more; exit 5'])).stdout.trim();
  const tail = run(root, ['tasks-tail', '-f', id]);
  await new Promise((r) => setTimeout(r, 300));
  await worker(root);
  const r = await tail;
  assert.is(r.code, 5, r.stderr);
  assert.is(r.stdout, 'to-out\nmore\n');
  const err = r.stderr.split('\n');
  assert.match(err[0], new RegExp(`^tmux-orc: ${id}: delayed until \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\(in \\ds\\)$`));
  assert.ok(err.includes('to-err'), r.stderr);
  assert.ok(err.includes(`tmux-orc: ${id}: running`), r.stderr);
  assert.match(r.stderr, new RegExp(`\\n${id}: failed: exit 5 after \\d+\\.\\ds\\n$`));
});

T('tasks-tail -f of a queued task says once on stderr that no worker is running, then follows it when one starts', async ({ root }) => {
  const id = (await run(root, ['tasks-enqueue', 'echo ran'])).stdout.trim();
  const tail = start(['tasks-tail', '-f', id], { env: testEnv(root) });
  await waitFor('the notice', () => /no worker is running/.test(tail.err()), 15_000);
  await new Promise((r) => setTimeout(r, 1500)); // past a check: the notice is not repeated
  await worker(root);
  assert.is((await exited(tail, 30_000)).code, 0, tail.err());
  const lines = tail.err().trim().split('\n');
  assert.is(lines.filter((l) => l.includes('no worker is running')).length, 1, tail.err());
  assert.match(lines[0], new RegExp(`^tmux-orc: ${id}: queued, waiting for a worker$`));
  assert.match(lines[1], /^tmux-orc: queued; no worker is running on .*: start one with tmux-orc tasks-start/);
  assert.match(lines.at(-1)!, new RegExp(`^${id}: done in \\d+\\.\\ds$`));
  assert.is(tail.out().split('\n').filter((l) => l === 'ran').length, 1);
});

T('tasks-tail refuses a log that is a symbolic link (O_NOFOLLOW) and prints nothing of its target', async ({ root, dir }) => {
  const id = (await run(root, ['tasks-enqueue', 'true'])).stdout.trim();
  fs.writeFileSync(path.join(dir, 'secret'), 'SECRET\n');
  fs.symlinkSync(path.join(dir, 'secret'), path.join(root, 'logs', `${id}.out`));
  const r = await run(root, ['tasks-tail', id]);
  assert.is(r.code, 5);
  assert.not.match(r.stdout + r.stderr, /SECRET/);
  assert.match(r.stderr, /log \(.*\.out\): is a symbolic link; refusing to read it/);
});

T.run();
