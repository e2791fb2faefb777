/**
 * run-all / run-one do not type into panes where a worker loop runs (issue 14 point 2): the text
 * would be read by the loop or its task, and run in the shell only when the loop stops.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, tempDir, testEnv, tmuxSocket, waitFor } from '../helpers.ts';

const T = suite<{ dir: string; sock: string; env: NodeJS.ProcessEnv }>('run-all / run-one and worker loops');
T.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.sock = tmuxSocket('rg');
  ctx.env = testEnv(path.join(ctx.dir, 'root'), { TMUX_SOCKET: ctx.sock, LANG: 'C.UTF-8', WORKERS: '', HOME: ctx.dir, HISTFILE: '' });
});
T.after.each(async (ctx) => {
  await cli(['tasks-stop', '--now', '--wait', '--timeout', '10s'], { env: ctx.env, cwd: ctx.dir }).catch(() => undefined);
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

const run = (ctx: { dir: string; env: NodeJS.ProcessEnv }, ...args: string[]) => cli(args, { env: ctx.env, cwd: ctx.dir });
const ran = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('ran-')).sort();

T('run-all skips panes with a worker loop (one line each, exit 4); run-one refuses (exit 4); --force types anyway', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  const started = await run(ctx, 'tasks-start', '--subset', '0');
  assert.is(started.code, 0, started.stderr);
  // `touch ran-$N` in the pane's shell; a worker loop's pane would run it only after the loop stops.
  const all = await run(ctx, 'run-all', 'touch', 'ran-all');
  assert.is(all.code, 4, all.stderr);
  const lines = all.stderr.trim().split('\n');
  assert.is(lines.length, 1, all.stderr);
  assert.match(lines[0], /^tmux-orc: worker-0: a worker loop runs there \(idle, pid \d+\); skipped \(--force types anyway\)$/);
  await waitFor('worker-1 ran it', () => ran(ctx.dir).includes('ran-all'), 15_000);
  fs.rmSync(path.join(ctx.dir, 'ran-all'));

  const one = await run(ctx, 'run-one', '0', 'touch', 'ran-one');
  assert.is(one.code, 4);
  assert.match(one.stderr, /^tmux-orc: worker-0: a worker loop runs there .*tasks-stop --subset 0, or type anyway with --force\)\n$/);
  assert.is((await run(ctx, 'run-one', '1', 'touch', 'ran-one-1')).code, 0, 'a pane at a prompt is typed into');

  // Stopping the loop shows what would have happened: nothing queued up behind it.
  assert.is((await run(ctx, 'tasks-stop', '--wait', '--timeout', '15s')).code, 0);
  await waitFor('ran-one-1', () => ran(ctx.dir).includes('ran-one-1'), 15_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(ran(ctx.dir), ['ran-one-1'], 'nothing typed into worker-0 ran after its loop stopped');

  assert.is((await run(ctx, 'tasks-start', '--subset', '0')).code, 0);
  const forced = await run(ctx, 'run-one', '0', '--force', 'true');
  assert.is(forced.code, 0, forced.stderr);
});

T.run();
