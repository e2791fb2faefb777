/**
 * `tmux-orc top` in a real 80×24 tmux pane on a private server: it shows a running task, then,
 * with no key pressed, the task's end; every line fits; `q` quits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, cleanup, cli, killAll, killTmux, needingPerl, start, tempDir, testEnv, tmux, tmuxSocket, waitFor } from '../helpers.js';

const T = suite<{ dir: string; root: string; sock: string; env: NodeJS.ProcessEnv }>('top');

T.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tasks');
  ctx.sock = tmuxSocket('top');
  ctx.env = testEnv(ctx.root);
});
T.after.each((ctx) => {
  killAll();
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

/** The pane's screen, one string per row (capture-pane trims trailing blanks). */
const screen = (sock: string): string[] => tmux(sock, 'capture-pane', '-p', '-t', 'top').replace(/\n$/, '').split('\n');

/**
 * top in an 80×24 pane of its own server; `env` is what its command line sets. Its exit status
 * goes to `<dir>/top.rc` (tmux's #{pane_dead_status} stays empty when the pty's end is seen first).
 */
function openTop(ctx: { sock: string; root: string; dir: string }, env: string[]): void {
  const rc = path.join(ctx.dir, 'top.rc');
  tmux(ctx.sock, 'new-session', '-d', '-s', 'top', '-x', '80', '-y', '24', '--', 'sh', '-c', `env "$@"; echo $? > '${rc}'`, 'sh', ...env, `TASK_ROOT=${ctx.root}`, process.execPath, CLI, 'top');
  tmux(ctx.sock, 'set-option', '-t', 'top', 'remain-on-exit', 'on');
}

const W = needingPerl(T, 'top');

W('shows a running task, then its end without a keypress; fits 80x24; q quits', async (ctx) => {
  assert.is((await cli(['tasks-init'], { env: ctx.env })).code, 0);
  await cli(['tasks-enqueue', '--id', 'broke', '--label', 'nightly', '--', 'exit 7'], { env: ctx.env });
  const go = path.join(ctx.dir, 'go');
  const long = 'x'.repeat(120);
  const enq = await cli(['tasks-enqueue', '--id', 'slow-one', '--', `until [ -e ${go} ]; do sleep 0.05; done; : ${long}`], { env: ctx.env });
  assert.is(enq.code, 0, enq.stderr);
  start(['worker', '--id', '0'], { env: ctx.env });
  openTop(ctx, ['NO_COLOR=1', 'TERM=xterm-256color']);

  const busy = (await waitFor('top to show slow-one running', () => {
    const s = screen(ctx.sock);
    return s.some((l) => /worker-0@\S+\s+busy\s+\d+s\s+slow-one/.test(l)) && s.some((l) => /running 1/.test(l)) && s.some((l) => /broke\s+exit 7.*\[nightly\]/.test(l)) ? s : undefined;
  }, 20_000))!;
  assert.match(busy[0], /^tmux-orc top/); // drawn from the top row, not scrolled
  for (const l of busy) assert.ok(l.length <= 80, `line wider than 80: ${JSON.stringify(l)}`);
  assert.ok(busy.every((l) => /^[\x20-\x7e]*$/.test(l)), 'NO_COLOR gives plain ASCII');

  fs.writeFileSync(go, '');
  const after = (await waitFor('top to show the end of slow-one with no key pressed', () => {
    const s = screen(ctx.sock);
    return s.some((l) => /queue 0\s+running 0\s+done 1\s+failed 1/.test(l)) && s.some((l) => /worker-0@\S+\s+idle/.test(l)) ? s : undefined;
  }, 20_000))!;
  assert.not.ok(after.some((l) => l.includes('slow-one')));

  tmux(ctx.sock, 'send-keys', '-t', 'top', 'q');
  await waitFor('top to exit on q, with 0', () => fs.existsSync(path.join(ctx.dir, 'top.rc')) && fs.readFileSync(path.join(ctx.dir, 'top.rc'), 'utf8') === '0\n', 10_000);
  // It left the alternate screen: the pane shows the shell's screen again, not the frame.
  assert.not.ok(screen(ctx.sock).some((l) => l.startsWith('tmux-orc top')));
});

T('in colour when NO_COLOR is unset; no tree: one line, exit 3', async (ctx) => {
  const r = await cli(['top', '--once'], { env: ctx.env });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.is((await cli(['tasks-init'], { env: ctx.env })).code, 0);
  openTop(ctx, ['-u', 'NO_COLOR', 'TERM=xterm-256color']); // the test's own NO_COLOR reaches the tmux server
  const s = (await waitFor('a coloured frame', () => {
    const t = tmux(ctx.sock, 'capture-pane', '-p', '-e', '-t', 'top');
    return t.includes('WORKERS') ? t : undefined;
  }, 20_000))!;
  assert.match(s, /\x1b\[[0-9;]*m/);
  assert.match(s, /none registered/);
  tmux(ctx.sock, 'send-keys', '-t', 'top', 'q');
  await waitFor('top to exit on q', () => tmux(ctx.sock, 'display-message', '-p', '-t', 'top', '#{pane_dead}').trim() === '1', 10_000);
});

T.run();
