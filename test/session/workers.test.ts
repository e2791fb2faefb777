/**
 * Worker loops in panes, end to end on a private tmux server: tasks-start with a subset,
 * status while a task runs, a worker killed in its pane shown as crashed and restarted,
 * tasks-stop (drain and --now), shrinking around a busy worker.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, names, tempDir, testEnv, tmux, tmuxSocket, waitFor } from '../helpers.js';
import type { PaneStatus } from '../../src/session/status.js';

const W = suite<{ dir: string; root: string; sock: string; env: NodeJS.ProcessEnv }>('workers');

W.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'root');
  ctx.sock = tmuxSocket('w');
  ctx.env = testEnv(ctx.root, { TMUX_SOCKET: ctx.sock, LANG: 'C.UTF-8', WORKERS: '', HOME: ctx.dir, HISTFILE: '' });
});
W.after.each(async (ctx) => {
  await cli(['tasks-stop', '--now', '--wait', '--timeout', '10s'], { env: ctx.env, cwd: ctx.dir }).catch(() => undefined);
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

const run = (ctx: { dir: string; env: NodeJS.ProcessEnv }, ...args: string[]) => cli(args, { env: ctx.env, cwd: ctx.dir });
async function workers(ctx: { dir: string; env: NodeJS.ProcessEnv }): Promise<PaneStatus[]> {
  const r = await run(ctx, 'status', '--json');
  assert.is(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as PaneStatus[]).filter((p) => p.worker !== undefined);
}
const states = async (ctx: { dir: string; env: NodeJS.ProcessEnv }) => (await workers(ctx)).map((w) => w.workerState!.state).join(' ');

W('tasks-start --subset starts only those; status shows busy with task and elapsed time; stop drains', async (ctx) => {
  assert.is((await run(ctx, 'init', '3')).code, 0);
  const start = await run(ctx, 'tasks-start', '--subset', '0,2');
  assert.is(start.code, 0, start.stderr);
  assert.match(start.stdout, /worker-0\s+started \(pid \d+\)\nworker-2\s+started/);
  assert.is(await states(ctx), 'idle stopped idle');
  const again = await run(ctx, 'tasks-start');
  assert.match(again.stdout, /worker-0\s+running[\s\S]*worker-1\s+started[\s\S]*worker-2\s+running/);
  const enq = await run(ctx, 'tasks-enqueue', '--id', 'slow1', '--', 'sleep 30');
  assert.is(enq.code, 0, enq.stderr);
  const busy = (await waitFor('a busy worker', async () => (await workers(ctx)).find((w) => w.workerState?.state === 'busy')))!;
  assert.ok(busy.workerState?.state === 'busy' && busy.workerState.task.id === 'slow1');
  const table = await run(ctx, 'status');
  assert.match(table.stdout, /^TARGET\s+PANE\s+TITLE\s+COMMAND\s+STATE\s+WORKER$/m);
  assert.match(table.stdout, new RegExp(`agents:workers\\.\\d\\s+%\\d+\\s+worker-${busy.worker}\\s+\\S+\\s+alive\\s+busy slow1 \\d+s`));
  const stop = await run(ctx, 'tasks-stop', '--now', '--wait', '--timeout', '15s');
  assert.is(stop.code, 0, stop.stderr);
  assert.is(await states(ctx), 'stopped stopped stopped');
  assert.equal(names(ctx.root, 'running'), []);
  assert.is(names(ctx.root, 'queue').length, 1, 'the cancelled task went back to the queue');
});

W('a worker killed in its pane shows as crashed; tasks-start restarts it, whatever the shell was doing', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  assert.is((await run(ctx, 'tasks-start')).code, 0);
  const [w0] = await workers(ctx);
  const pid = (w0.workerState as { pid: number }).pid;
  process.kill(pid, 'SIGKILL');
  await waitFor('crashed', async () => (await states(ctx)) === 'crashed idle');
  await waitFor('the pane says so', () => tmux(ctx.sock, 'capture-pane', '-p', '-J', '-t', w0.paneId).includes('tmux-orc: worker-0 exited with status 137'));
  const table = await run(ctx, 'status');
  assert.match(table.stdout, /worker-0 .*crashed \(pid \d+ gone/);
  // leave the pane's shell in a bad state: a half-typed line with an open quote, in copy mode
  await run(ctx, 'run-one', '0', "echo 'unterminated");
  const restart = await run(ctx, 'tasks-start');
  assert.is(restart.code, 0, restart.stderr);
  assert.match(restart.stdout, /worker-0\s+started \(pid \d+\)\nworker-1\s+running/);
  const after = await workers(ctx);
  assert.is(after[0].workerState?.state, 'idle');
  assert.is.not((after[0].workerState as { pid: number }).pid, pid);
  const drain = await run(ctx, 'tasks-stop', '--subset', '0', '--wait', '--timeout', '10s');
  assert.is(drain.code, 0, drain.stderr);
  assert.is(await states(ctx), 'stopped idle');
});

W('init shrink refuses while a worker to remove is busy, and removes idle workers cleanly', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  assert.is((await run(ctx, 'tasks-start', '--subset', '1')).code, 0);
  assert.is((await run(ctx, 'tasks-enqueue', '--id', 'hold', '--', 'sleep 30')).code, 0);
  await waitFor('worker-1 busy', async () => (await states(ctx)) === 'stopped busy');
  const refused = await run(ctx, 'init', '1');
  assert.is(refused.code, 4);
  assert.match(refused.stderr, /worker-1 is busy with task hold/);
  assert.is((await workers(ctx)).length, 2, 'nothing removed');
  assert.is((await run(ctx, 'tasks-stop', '--now', '--wait', '--timeout', '10s')).code, 0);
  assert.is((await run(ctx, 'tasks-start', '--subset', '1')).code, 0);
  await waitFor('worker-1 busy again', async () => (await states(ctx)) === 'stopped busy');
  assert.is((await run(ctx, 'tasks-cancel', 'hold')).code, 0);
  await waitFor('worker-1 idle', async () => (await states(ctx)) === 'stopped idle');
  const shrink = await run(ctx, 'init', '1');
  assert.is(shrink.code, 0, shrink.stderr);
  assert.is(await states(ctx), 'stopped');
  assert.equal(names(ctx.root, 'workers'), [], 'worker-1 exited cleanly (unregistered)');
});

W.run();
