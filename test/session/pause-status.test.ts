/**
 * A paused queue as `status` shows it, on a private tmux server with worker panes: idle workers
 * say `idle (paused)`, `status --json` carries the pause on worker panes, a task enqueued stays
 * queued until tasks-resume (issue 18).
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, names, tempDir, testEnv, tmuxSocket, waitFor } from '../helpers.js';
import type { PaneStatus } from '../../src/session/status.js';

const P = suite<{ dir: string; root: string; sock: string; env: NodeJS.ProcessEnv }>('pause in status');

P.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'root');
  ctx.sock = tmuxSocket('p');
  ctx.env = testEnv(ctx.root, { TMUX_SOCKET: ctx.sock, LANG: 'C.UTF-8', WORKERS: '', HOME: ctx.dir, HISTFILE: '' });
});
P.after.each(async (ctx) => {
  await cli(['tasks-stop', '--now', '--wait', '--timeout', '10s'], { env: ctx.env, cwd: ctx.dir }).catch(() => undefined);
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

const run = (ctx: { dir: string; env: NodeJS.ProcessEnv }, ...args: string[]) => cli(args, { env: ctx.env, cwd: ctx.dir });

P('status shows paused workers as "idle (paused)" and --json carries the pause; a task waits until tasks-resume', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  assert.is((await run(ctx, 'tasks-start')).code, 0);
  assert.is((await run(ctx, 'tasks-pause')).code, 0);
  const table = await run(ctx, 'status');
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, /worker-0\s+\S+\s+alive\s+idle \(paused\)/);
  const rows = (JSON.parse((await run(ctx, 'status', '--json')).stdout) as PaneStatus[]).filter((p) => p.worker !== undefined);
  assert.is(rows.length, 2);
  for (const r of rows) assert.match(r.paused ?? '', /^queue paused since \d{4}-/);
  assert.is((await run(ctx, 'tasks-enqueue', '--id', 'p1', 'true')).code, 0);
  const list = await run(ctx, 'tasks-list', 'queue');
  assert.match(list.stdout, /^p1\s+queue\s+paused\s/m);
  assert.is((await run(ctx, 'tasks-resume')).code, 0);
  await waitFor('p1 done once resumed', () => names(ctx.root, 'done').some((n) => n.endsWith('-p1.task')), 20_000);
  assert.not.match((await run(ctx, 'status')).stdout, /paused/);
});

P.run();
