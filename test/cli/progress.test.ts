/**
 * The live status line end to end (issue 14: long waits say where they are): `--wait` in a real
 * tmux pane shows one line while the task is queued, and it is gone once the task has ended; in a
 * pipe nothing of it is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, CLI, killAll, killTmux, start, tempDir, testEnv, tmux, tmuxSocket, waitFor } from '../helpers.ts';
import { shellQuote } from '../../src/self.ts';

const T = suite<{ dir: string; root: string; sock: string }>('status line');
T.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  ctx.sock = tmuxSocket('p');
  assert.is((await cli(['tasks-init'], { env: testEnv(ctx.root) })).code, 0);
});
T.after.each((ctx) => {
  killAll();
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

const STATUS = /^t[0-9a-z]+: queued · \d+s$/m;

T('--wait on a terminal: one status line while queued, rewritten in place, erased at the end', async ({ dir, root, sock }) => {
  // The pane runs a script: no rc files, our tree, and the exit code left on the screen.
  const script = path.join(dir, 'wait.sh');
  fs.writeFileSync(
    script,
    [
      'unset TMUX',
      `export TASK_ROOT=${shellQuote(root)} TMUX_SOCKET=${shellQuote(sock)} NO_COLOR=1`,
      `${shellQuote(process.execPath)} ${shellQuote(CLI)} tasks-enqueue --wait -- echo hello`,
      'echo "EXIT=$?"',
      'exec sleep 600',
    ].join('\n'),
  );
  tmux(sock, 'new-session', '-d', '-x', '120', '-y', '20', '-s', 'p', `sh ${shellQuote(script)}`);
  const screen = () => tmux(sock, 'capture-pane', '-p', '-t', 'p');
  const shown = await waitFor('the status line', () => { const text = screen(); return STATUS.test(text) ? text : ''; }, 20_000, 100);
  assert.match(shown, /tmux-orc: queued; no worker is running on /, 'the notice is a line of its own, above');
  assert.is(shown.split('\n').filter((l) => / · \d+s$/.test(l)).length, 1, `one status line:\n${shown}`);
  await waitFor('the elapsed time moving', () => /: queued · [1-9]\d*s$/m.test(screen()), 10_000, 100);
  start(['worker', '--id', '0'], { env: testEnv(root) });
  const end = await waitFor('the exit code', () => { const text = screen(); return /^EXIT=\d+$/m.test(text) ? text : ''; }, 30_000, 100);
  assert.match(end, /^EXIT=0$/m);
  assert.match(end, /^t[0-9a-z]+: done in \d+\.\ds$/m, 'the outcome line is where the status line was');
  assert.not.match(end, / · \d+s/, `the status line is erased:\n${end}`);
});

T('--wait in a pipe: the same lines, and no status line or escape code', async ({ root }) => {
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  await waitFor('worker ready', () => w.out().includes('ready'), 15_000);
  const r = await cli(['tasks-enqueue', '--wait', '--', 'sleep', '1.5'], { env: testEnv(root) });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^t[0-9a-z]+: done in \d+\.\ds\n$/);
  assert.not.match(r.stderr, /\x1b|\r/);
});

T.run();
