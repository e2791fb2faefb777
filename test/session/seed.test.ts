/**
 * Every example of the seed document (shared/seeds/002_c2be27af8463f2d6.txt), run as written
 * through scripts/tmux_orchestrator.sh from a checkout-like directory (scripts/ and src/), on a
 * private tmux server. The task examples follow a fresh `init`, since the session examples end
 * with `kill`; the `tasks-tail` example ID is replaced by a real one.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, killTmux, names, REPO, run, tempDir, testEnv, tmux, tmuxSocket, waitFor, type Run } from '../helpers.js';

const Seed = suite<{ dir: string; sock: string; env: NodeJS.ProcessEnv }>('seed examples');

Seed.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.sock = tmuxSocket('seed');
  ctx.env = testEnv(undefined, { TMUX_SOCKET: ctx.sock, LANG: 'C.UTF-8', WORKERS: '', HOME: ctx.dir, HISTFILE: '' });
  fs.symlinkSync(path.join(REPO, 'scripts'), path.join(ctx.dir, 'scripts'));
  fs.mkdirSync(path.join(ctx.dir, 'src'));
  fs.writeFileSync(path.join(ctx.dir, 'src', 'a.txt'), 'TODO: one\n');
});
Seed.after.each((ctx) => {
  try {
    execFileSync('bash', ['-c', './scripts/tmux_orchestrator.sh tasks-stop --now --wait --timeout 10s'], { cwd: ctx.dir, env: ctx.env, stdio: 'ignore' });
  } catch {
    // no session left
  }
  killTmux(ctx.sock);
  cleanup(ctx.dir);
});

/** Run one example line with bash, as a user would type it. */
function sh(ctx: { dir: string; env: NodeJS.ProcessEnv }, line: string, timeoutMs = 30000): Promise<Run> {
  return run('bash', ['-c', line], { cwd: ctx.dir, env: ctx.env, timeoutMs });
}

async function ok(ctx: { dir: string; env: NodeJS.ProcessEnv }, line: string): Promise<string> {
  const r = await sh(ctx, line);
  assert.is(r.code, 0, `${line}\n${r.stderr}`);
  return r.stdout;
}

const paneText = (sock: string, target: string) => tmux(sock, 'capture-pane', '-p', '-J', '-t', target);
const workerPaneId = (sock: string, n: number) =>
  tmux(sock, 'list-panes', '-s', '-t', 'agents', '-F', '#{@orc_worker} #{pane_id}').split('\n').find((l) => l.startsWith(`${n} `))!.split(' ')[1];

Seed('session examples', async (ctx) => {
  await ok(ctx, 'WORKERS=6 ./scripts/tmux_orchestrator.sh init');
  assert.is(tmux(ctx.sock, 'list-panes', '-t', 'agents:workers', '-F', '#{pane_title}').trim().split('\n').length, 6);

  // attach needs a terminal: give it one with script(1), then detach it from the server side
  const attach = spawn('script', ['-qec', './scripts/tmux_orchestrator.sh attach', '/dev/null'], { cwd: ctx.dir, env: { ...ctx.env, TERM: 'xterm' }, stdio: 'ignore' });
  await waitFor('a client attached', () => tmux(ctx.sock, 'list-clients', '-F', '#{session_name}').trim() === 'agents');
  tmux(ctx.sock, 'detach-client', '-s', 'agents');
  assert.is(await new Promise((r) => attach.on('close', r)), 0);

  await ok(ctx, `./scripts/tmux_orchestrator.sh run-all "rg --json -n --no-config -S 'TODO|FIXME'"`);
  for (let n = 0; n < 6; n++) await waitFor(`worker-${n} got the rg line`, () => paneText(ctx.sock, workerPaneId(ctx.sock, n)).includes(`rg --json -n --no-config -S 'TODO|FIXME'`));
  await ok(ctx, './scripts/tmux_orchestrator.sh run-one 2 "pytest -q"');
  await waitFor('pytest typed in worker-2', () => /[$#] pytest -q/.test(paneText(ctx.sock, workerPaneId(ctx.sock, 2))));
  assert.not.match(paneText(ctx.sock, workerPaneId(ctx.sock, 1)), /pytest -q/, 'only worker 2 (0-based)');
  await ok(ctx, './scripts/tmux_orchestrator.sh run-master "codex --version"');
  await waitFor('codex typed in master', () => paneText(ctx.sock, 'agents:master').includes('codex --version'));

  const status = await ok(ctx, './scripts/tmux_orchestrator.sh status');
  assert.is(status.trim().split('\n').length, 1 + 7, status);
  await ok(ctx, './scripts/tmux_orchestrator.sh capture');
  assert.is(fs.readdirSync(path.join(ctx.dir, 'logs/tmux/agents/snapshots')).length, 7);
  await ok(ctx, './scripts/tmux_orchestrator.sh kill');
  assert.throws(() => tmux(ctx.sock, 'has-session', '-t', '=agents'));
});

Seed('task queue, logging and barrier examples', async (ctx) => {
  await ok(ctx, './scripts/tmux_orchestrator.sh init');
  await ok(ctx, './scripts/tmux_orchestrator.sh tasks-init');
  await ok(ctx, './scripts/tmux_orchestrator.sh tasks-start');
  const root = path.join(fs.realpathSync(ctx.dir), 'var/tmux/agents/tasks');
  assert.ok(fs.existsSync(path.join(root, 'queue')), 'the seed tree path');

  const id1 = (await ok(ctx, './scripts/tmux_orchestrator.sh tasks-enqueue -- echo "hello from task 1"')).trim();
  const id2 = (await ok(ctx, './scripts/tmux_orchestrator.sh tasks-enqueue -d src -- rg --json -n --no-config -S TODO')).trim();
  const id3 = (await ok(ctx, `./scripts/tmux_orchestrator.sh tasks-enqueue -e FOO=bar -- bash -lc 'echo $FOO && sleep 1'`)).trim();
  await waitFor('three tasks finished', () => names(root, 'done').length + names(root, 'failed').length === 3, 20000);
  assert.ok(names(root, 'done').some((n) => n.includes(id1)) && names(root, 'done').some((n) => n.includes(id3)));

  const list = await ok(ctx, './scripts/tmux_orchestrator.sh tasks-list all');
  for (const id of [id1, id2, id3]) assert.ok(list.includes(id), `${id} listed`);
  assert.match(await ok(ctx, `./scripts/tmux_orchestrator.sh tasks-tail ${id1}`), /hello from task 1/);
  assert.match(await ok(ctx, `./scripts/tmux_orchestrator.sh tasks-tail ${id3}`), /^bar$/m);

  await ok(ctx, './scripts/tmux_orchestrator.sh tasks-stop');
  await waitFor('workers drained', () => names(root, 'workers').length === 0);

  await ok(ctx, './scripts/tmux_orchestrator.sh logs-on');
  // Each pane's stamper makes its file as it starts, a moment after pipe-pane returns (what the
  // pane prints meanwhile waits in the pipe).
  await waitFor('a log file per pane', () => fs.readdirSync(path.join(ctx.dir, 'logs/tmux/agents/pipes')).length === 5);
  assert.is(fs.readdirSync(path.join(ctx.dir, 'logs/tmux/agents/pipes')).length, 5);
  await ok(ctx, './scripts/tmux_orchestrator.sh logs-off');

  await ok(ctx, './scripts/tmux_orchestrator.sh barrier-wait phase1 & w=$!\n./scripts/tmux_orchestrator.sh barrier-signal phase1\nwait $w');
  await ok(ctx, './scripts/tmux_orchestrator.sh kill');
});

Seed.run();
