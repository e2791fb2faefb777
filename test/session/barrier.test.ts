/**
 * Barriers through the real CLI: early signals kept and counted, a killed waiter swallows
 * nothing, one signal releases every current waiter, --parties, timeouts (exit 7). A private
 * tmux server is running so `wait-for` wake-ups are exercised too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, exited, killAll, killTmux, start, tempDir, testEnv, tmux, tmuxSocket, waitFor } from '../helpers.js';
import { ensureTree, tree } from '../../src/queue/tree.js';

const B = suite<{ dir: string; root: string; sock: string; env: NodeJS.ProcessEnv }>('barrier');

B.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'root');
  ensureTree(tree(ctx.root)); // only tasks-init and init create a tree (README "Finding the tree")
  ctx.sock = tmuxSocket('b');
  ctx.env = testEnv(ctx.root, { TMUX_SOCKET: ctx.sock });
  tmux(ctx.sock, 'new-session', '-d', '-s', 'wake', '-x', '80', '-y', '20');
});
B.after.each((ctx) => {
  killAll();
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

type Ctx = { dir: string; root: string; env: NodeJS.ProcessEnv };
const run = (ctx: Ctx, ...args: string[]) => cli(args, { env: ctx.env, cwd: ctx.dir });
const waiter = (ctx: Ctx, ...args: string[]) => start(['barrier-wait', ...args], { env: ctx.env, cwd: ctx.dir });
const waitingCount = (ctx: Ctx, name: string) => {
  try {
    return fs.readdirSync(path.join(ctx.root, 'barriers', name, 'waiting')).length;
  } catch {
    return 0;
  }
};

B('a signal sent before anyone waits is kept; two early signals release two waits, not one or none', async (ctx) => {
  assert.match((await run(ctx, 'barrier-signal', 'p1')).stdout, /signal kept \(1 pending\)/);
  assert.match((await run(ctx, 'barrier-signal', 'p1')).stdout, /signal kept \(2 pending\)/);
  assert.is((await run(ctx, 'barrier-wait', 'p1', '--timeout', '5s')).code, 0);
  assert.is((await run(ctx, 'barrier-wait', 'p1', '--timeout', '5s')).code, 0);
  const third = await run(ctx, 'barrier-wait', 'p1', '--timeout', '300ms');
  assert.is(third.code, 7);
  assert.match(third.stderr, /^tmux-orc: barrier-wait p1: timed out after 300ms waiting for a signal\n/);
});

B('one signal releases every current waiter, woken through tmux wait-for', async (ctx) => {
  const a = waiter(ctx, 'go', '--timeout', '20s');
  const b = waiter(ctx, 'go', '--timeout', '20s');
  await waitFor('two waiters', () => waitingCount(ctx, 'go') === 2);
  const sig = await run(ctx, 'barrier-signal', 'go');
  assert.match(sig.stdout, /released 2 waiter/);
  assert.equal([(await exited(a)).code, (await exited(b)).code], [0, 0]);
  assert.is((await run(ctx, 'barrier-wait', 'go', '--timeout', '200ms')).code, 7, 'the signal was not also kept');
});

B('a waiter killed (SIGKILL, or SIGTERM from timeout) does not swallow the next signal', async (ctx) => {
  for (const sig of ['SIGKILL', 'SIGTERM'] as const) {
    const w = waiter(ctx, 'k');
    await waitFor('registered', () => waitingCount(ctx, 'k') === 1);
    w.kill(sig);
    await exited(w);
    assert.match((await run(ctx, 'barrier-signal', 'k')).stdout, /nobody waiting; signal kept/, sig);
    assert.is((await run(ctx, 'barrier-wait', 'k', '--timeout', '5s')).code, 0, sig);
  }
  const timedOut = await run(ctx, 'barrier-wait', 'k', '--timeout', '200ms');
  assert.is(timedOut.code, 7);
  assert.is(waitingCount(ctx, 'k'), 0, 'a timed-out waiter leaves no registration');
  await run(ctx, 'barrier-signal', 'k');
  assert.is((await run(ctx, 'barrier-wait', 'k', '--timeout', '5s')).code, 0);
});

B('--parties N releases when N parties have arrived, not before', async (ctx) => {
  const a = waiter(ctx, 'ph', '--parties', '3', '--timeout', '20s');
  const b = waiter(ctx, 'ph', '--parties', '3', '--timeout', '20s');
  await waitFor('two arrived', () => waitingCount(ctx, 'ph') === 2);
  assert.is(a.exitCode, null);
  assert.is(b.exitCode, null);
  const c = await run(ctx, 'barrier-wait', 'ph', '--parties', '3', '--timeout', '10s');
  assert.is(c.code, 0, c.stderr);
  assert.equal([(await exited(a)).code, (await exited(b)).code], [0, 0]);
  const lone = await run(ctx, 'barrier-wait', 'ph', '--parties', '2', '--timeout', '200ms');
  assert.is(lone.code, 7);
  assert.match(lone.stderr, /waiting for 2 parties/);
});

B('bad barrier input: one line, exit 2', async (ctx) => {
  for (const args of [['barrier-wait', 'a b'], ['barrier-signal', 'a/b'], ['barrier-wait', '..'], ['barrier-wait', 'x', '--timeout', 'soon'], ['barrier-wait', 'x', '--parties', '0']]) {
    const r = await run(ctx, ...args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^tmux-orc: .+\n(Try: .*\n)?$/);
  }
  assert.not.ok(fs.existsSync(path.join(ctx.root, 'barriers', 'a b')));
});

B.run();
