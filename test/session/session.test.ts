/**
 * End to end against a real tmux server on a private socket: init/grow/shrink, bad input,
 * text fidelity (also in copy mode), capture and timestamped pipe-pane logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, tempDir, testEnv, tmux, tmuxSocket, waitFor } from '../helpers.js';

// HOME is the temp dir: pane shells must not depend on the user's rc files (a pyenv rehash lock
// in ~/.bashrc can stall a shell for a minute before its first prompt); no history file is written
// into the temp dir while it is being removed.
const S = suite<{ dir: string; sock: string; env: NodeJS.ProcessEnv }>('session');

S.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.sock = tmuxSocket('s');
  ctx.env = testEnv(path.join(ctx.dir, 'root'), { TMUX_SOCKET: ctx.sock, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', WORKERS: '', HOME: ctx.dir, HISTFILE: '' });
});
S.after.each((ctx) => {
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

const run = (ctx: { dir: string; env: NodeJS.ProcessEnv }, ...args: string[]) => cli(args, { env: ctx.env, cwd: ctx.dir });
const panesOf = (sock: string) =>
  tmux(sock, 'list-panes', '-s', '-t', 'agents', '-F', '#{window_name} #{pane_index} #{@orc_worker} #{pane_title} #{history_limit}').trim().split('\n');
/** The text of a pane, once it shows `want`. */
const paneShows = (sock: string, pane: string, want: string | RegExp) =>
  waitFor(`${pane} to show ${want}`, () => {
    const text = tmux(sock, 'capture-pane', '-p', '-J', '-t', pane);
    return (typeof want === 'string' ? text.includes(want) : want.test(text)) && text;
  });
const workerPane = (sock: string, n: number) =>
  tmux(sock, 'list-panes', '-s', '-t', 'agents', '-F', '#{@orc_worker} #{pane_id}').split('\n').find((l) => l.startsWith(`${n} `))!.split(' ')[1];

S('init makes master + N titled worker panes with options on the right windows; idempotent', async (ctx) => {
  const r = await run(ctx, 'init', '3');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /created; 3 workers/);
  assert.match(r.stdout, /\nthe worker panes are idle: tmux-orc tasks-start runs a worker loop in each\n$/, 'new panes come with the hint');
  assert.equal(panesOf(ctx.sock), ['master 1  master 50000', 'workers 1 0 worker-0 50000', 'workers 2 1 worker-1 50000', 'workers 3 2 worker-2 50000']);
  const windows = tmux(ctx.sock, 'list-windows', '-t', 'agents', '-F', '#{window_index} #{window_name} #{remain-on-exit} #{allow-rename}').trim().split('\n');
  assert.equal(windows, ['1 master on 0', '2 workers on 0']);
  assert.is(tmux(ctx.sock, 'show-environment', '-t', 'agents', 'TASK_ROOT').trim(), `TASK_ROOT=${path.join(ctx.dir, 'root')}`);
  assert.ok(fs.existsSync(path.join(ctx.dir, 'root', 'queue')), 'tree created');
  const again = await run(ctx, 'init');
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /already running; 3 workers/);
  assert.not.match(again.stdout, /tasks-start/, 'no new panes, no hint');
  assert.is(panesOf(ctx.sock).length, 4);
});

S('init M grows and shrinks the workers window, keeping the other panes', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  const keep = workerPane(ctx.sock, 0);
  const grow = await run(ctx, 'init', '5');
  assert.is(grow.code, 0, grow.stderr);
  assert.match(grow.stdout, /\nthe new worker panes are idle: tmux-orc tasks-start runs a worker loop in each\n$/);
  assert.is(grow.stderr, '', 'no status line in a pipe');
  assert.equal(panesOf(ctx.sock).slice(1).map((l) => l.split(' ').slice(2, 4).join(' ')), ['0 worker-0', '1 worker-1', '2 worker-2', '3 worker-3', '4 worker-4']);
  const shrink = await run(ctx, 'init', '1');
  assert.is(shrink.code, 0, shrink.stderr);
  assert.match(shrink.stdout, /shrank/);
  assert.equal(panesOf(ctx.sock).slice(1).map((l) => l.split(' ')[3]), ['worker-0']);
  assert.is(workerPane(ctx.sock, 0), keep, 'worker-0 is the same pane');
});

S('shrinking refuses, changing nothing, when a pane to remove is running something', async (ctx) => {
  assert.is((await run(ctx, 'init', '3')).code, 0);
  assert.is((await run(ctx, 'run-one', '2', 'sleep 600')).code, 0);
  const p = workerPane(ctx.sock, 2);
  await waitFor('sleep in pane 2', () => tmux(ctx.sock, 'display', '-p', '-t', p, '#{pane_current_command}').trim() === 'sleep');
  const r = await run(ctx, 'init', '1');
  assert.is(r.code, 4, r.stderr);
  assert.match(r.stderr, /worker-2's pane is running sleep/);
  assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.is(panesOf(ctx.sock).length, 4, 'nothing removed');
});

S('bad input: one line, documented exit code, nothing half-made', async (ctx) => {
  for (const [args, code, re] of [
    [['init', '0'], 2, /whole number from 1/],
    [['init', 'abc'], 2, /whole number from 1/],
    [['status'], 3, /no tmux session "agents"/],
    [['run-all', 'ls'], 3, /no tmux session/],
    [['capture'], 3, /no tmux session/],
    [['kill'], 3, /^tmux-orc: no tmux session "agents" on server "[^"]+": nothing to kill$/],
    [['barrier-wait', 'a b'], 2, /barrier name/],
    [['barrier-signal', 'a/b'], 2, /barrier name/],
  ] as const) {
    const r = await run(ctx, ...args);
    assert.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.not.match((await run(ctx, 'kill')).stderr, /init/, 'a kill of nothing does not suggest init');
  assert.throws(() => tmux(ctx.sock, 'list-sessions'), 'no server was left behind');
  assert.is((await run(ctx, 'init', '2')).code, 0);
  for (const [args, code] of [[['run-one', '2', 'ls'], 3], [['run-one', 'x', 'ls'], 2], [['run-one', '-1', 'ls'], 2], [['tasks-start', '--subset', '5'], 3]] as const) {
    const r = await run(ctx, ...args);
    assert.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
  }
  const other = await cli(['status'], { env: { ...ctx.env, TMUX_SESSION: 'nope' }, cwd: ctx.dir });
  assert.is(other.code, 3);
  const noTmux = await cli(['status'], { env: { ...ctx.env, PATH: '/nonexistent' }, cwd: ctx.dir });
  assert.is(noTmux.code, 6);
  assert.match(noTmux.stderr, /tmux is not installed/);
});

const TRICKY = `'"$HOME; ünï`;
/** A command line that prints TRICKY: every special character escaped for bash. */
const PRINT_TRICKY = `printf '%s\\n' \\'\\"\\$HOME\\;\\ ünï`;

S('run-one / run-all / run-master deliver text literally, also into a pane in copy mode', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  const p1 = workerPane(ctx.sock, 1);
  tmux(ctx.sock, 'copy-mode', '-t', p1);
  assert.is(tmux(ctx.sock, 'display', '-p', '-t', p1, '#{pane_in_mode}').trim(), '1');
  assert.is((await run(ctx, 'run-one', '1', `${PRINT_TRICKY} > one.txt`)).code, 0);
  await waitFor('one.txt', () => fs.existsSync(path.join(ctx.dir, 'one.txt')) && fs.readFileSync(path.join(ctx.dir, 'one.txt'), 'utf8').length > 0);
  assert.is(fs.readFileSync(path.join(ctx.dir, 'one.txt'), 'utf8'), `${TRICKY}\n`);
  assert.is((await run(ctx, 'run-all', `${PRINT_TRICKY} >> all.txt`)).code, 0);
  assert.is((await run(ctx, 'run-master', `${PRINT_TRICKY} > master.txt`)).code, 0);
  const read = (f: string) => (fs.existsSync(path.join(ctx.dir, f)) ? fs.readFileSync(path.join(ctx.dir, f), 'utf8') : '');
  await waitFor('all.txt and master.txt', () => read('all.txt').split('\n').length === 3 && read('master.txt').length > 0);
  assert.is(read('all.txt'), `${TRICKY}\n${TRICKY}\n`);
  assert.is(read('master.txt'), `${TRICKY}\n`);
  await paneShows(ctx.sock, p1, `${PRINT_TRICKY} > one.txt`);
});

S('capture writes the whole scrollback of every pane, one named file each', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  assert.is((await run(ctx, 'run-one', '0', 'seq 1 300; echo END-0')).code, 0);
  await paneShows(ctx.sock, workerPane(ctx.sock, 0), /^END-0$/m);
  const r = await run(ctx, 'capture', 'snaps', '--json');
  assert.is(r.code, 0, r.stderr);
  const files = fs.readdirSync(path.join(ctx.dir, 'snaps')).sort();
  assert.equal(files, ['agents.master.1.txt', 'agents.workers.worker-0.txt', 'agents.workers.worker-1.txt']);
  const text = fs.readFileSync(path.join(ctx.dir, 'snaps', 'agents.workers.worker-0.txt'), 'utf8');
  // Not /^1$/m: when prompt + command fill the pane's width exactly, readline's wrap marks the
  // line as wrapped and -J glues the first output line to it ("...echo END-01").
  assert.match(text, /1\n2\n3\n4\n/, 'scrollback beyond the screen');
  assert.match(text, /^300\nEND-0$/m);
  assert.is(JSON.parse(r.stdout).length, 3);
  // Private, as the tree is: a scrollback can hold anything.
  assert.is(fs.statSync(path.join(ctx.dir, 'snaps')).mode & 0o777, 0o700);
  for (const f of files) assert.is(fs.statSync(path.join(ctx.dir, 'snaps', f)).mode & 0o777, 0o600, f);
  const def = await run(ctx, 'capture');
  assert.is(def.code, 0);
  assert.ok(fs.existsSync(path.join(ctx.dir, 'logs/tmux/agents/snapshots/agents.workers.worker-1.txt')));
});

S('logs-on stamps every line with UTC time under TZ=America/New_York; idempotent; logs-off stops', async (ctx) => {
  ctx.env.TZ = 'America/New_York';
  assert.is((await run(ctx, 'init', '2')).code, 0);
  const on = await run(ctx, 'logs-on');
  assert.is(on.code, 0, on.stderr);
  assert.is((await run(ctx, 'logs-on')).stdout.match(/already-on/g)?.length, 3, 'second logs-on changes nothing');
  const dir = path.join(ctx.dir, 'logs/tmux/agents/pipes');
  assert.equal(fs.readdirSync(dir).sort(), ['agents.master.1.log', 'agents.workers.worker-0.log', 'agents.workers.worker-1.log']);
  const log = path.join(dir, 'agents.workers.worker-1.log');
  const before = Date.now();
  assert.is((await run(ctx, 'run-one', '1', 'echo marker-$((6*7))')).code, 0);
  const line = (await waitFor('stamped marker', () => fs.readFileSync(log, 'utf8').split('\n').find((l) => /marker-42\r?$/.test(l))))!;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) /.exec(line);
  assert.ok(m, `stamped: ${JSON.stringify(line)}`);
  const t = Date.parse(m![1]);
  assert.ok(t >= Math.floor(before / 1000) * 1000 && t <= Date.now() + 1000, `${m![1]} is UTC now`);
  for (const l of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
  assert.is((await run(ctx, 'init', '3')).code, 0);
  assert.is(tmux(ctx.sock, 'display', '-p', '-t', workerPane(ctx.sock, 2), '#{pane_pipe}').trim(), '1', 'a pane added later is logged too');
  await waitFor('worker-2 log', () => fs.existsSync(path.join(dir, 'agents.workers.worker-2.log')));
  assert.is((await run(ctx, 'logs-off')).code, 0);
  assert.is(tmux(ctx.sock, 'display', '-p', '-t', workerPane(ctx.sock, 1), '#{pane_pipe}').trim(), '0');
  assert.is(tmux(ctx.sock, 'display', '-p', '-t', workerPane(ctx.sock, 2), '#{pane_pipe}').trim(), '0');
  assert.is((await run(ctx, 'logs-off')).code, 0, 'idempotent');
  assert.is((await run(ctx, 'run-one', '1', 'echo after-$((6*7))')).code, 0);
  await paneShows(ctx.sock, workerPane(ctx.sock, 1), /after-42$/m); // not ^: see the capture test
  assert.not.match(fs.readFileSync(log, 'utf8'), /after-42/);
});

S('a dead pane shows its exit status; run-one refuses it (exit 9); tasks-start brings it back', async (ctx) => {
  assert.is((await run(ctx, 'init', '2')).code, 0);
  assert.is((await run(ctx, 'run-one', '1', 'exit 3')).code, 0);
  // tmux 3.3a shows the status a moment after the pane is dead, and now and then never: wait
  // for it a while, and accept a dead pane whose status tmux did not report.
  const rows = async () => JSON.parse((await run(ctx, 'status', '--json')).stdout) as Array<{ worker?: number; dead: boolean; exitStatus?: string }>;
  await waitFor('pane dead', async () => (await rows()).find((r) => r.worker === 1 && r.dead));
  const dead = await waitFor('exit status', async () => (await rows()).find((r) => r.worker === 1 && r.exitStatus !== undefined), 5000).catch(() => undefined);
  const shown = dead ? ' \\(exit 3\\)' : '';
  if (dead) assert.is(dead.exitStatus, '3');
  assert.match((await run(ctx, 'status')).stdout, new RegExp(`worker-1\\s+\\S*\\s+dead${shown}\\s+stopped`));
  const refused = await run(ctx, 'run-one', '1', 'echo hi');
  assert.is(refused.code, 9);
  assert.match(refused.stderr, new RegExp(`is dead${shown}; nothing sent`));
  const all = await run(ctx, 'run-all', 'echo hi');
  assert.is(all.code, 9, 'run-all reports the pane it could not reach');
  const start = await run(ctx, 'tasks-start', '--subset', '1');
  assert.is(start.code, 0, start.stderr);
  assert.match(start.stdout, /worker-1\s+started/);
  assert.is((await run(ctx, 'tasks-stop', '--wait', '--timeout', '10s')).code, 0);
});

S.run();
