/** doctor: exit 0 on a healthy setup; each broken one is a `fail` line naming its fix, exit 1. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killAll, killTmux, start, tempDir, testEnv, TEST_SOCKET, tmuxSocket, waitFor } from '../helpers.js';
import { faultSuite, fillDisk, mountTmpfs, rootTest } from '../faults/harness.js';
import { saveAgent } from '../../src/agents/registry.js';

type Check = { check: string; status: string; message: string; fix?: string };
const test = suite<{ dir: string; root: string; env: NodeJS.ProcessEnv; sock?: string }>('doctor');
test.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tasks');
  ctx.env = testEnv(ctx.root, { XDG_CONFIG_HOME: path.join(ctx.dir, 'xdg'), HOME: ctx.dir, HISTFILE: '' });
  assert.is((await cli(['tasks-init'], { env: ctx.env })).code, 0);
});
test.after.each((ctx) => {
  killAll();
  if (ctx.sock) killTmux(ctx.sock);
  cleanup(ctx.dir);
});

async function doctor(env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number | null; checks: Check[]; text: string }> {
  const j = await cli(['doctor', '--json'], { env, cwd });
  const t = await cli(['doctor'], { env, cwd });
  assert.is(j.code, t.code);
  return { code: j.code, checks: JSON.parse(j.stdout) as Check[], text: t.stdout };
}
const failed = (cs: Check[]) => cs.filter((c) => c.status === 'fail');

test('a healthy setup (tree, session with a worker): every check ok or a warning, exit 0', async (ctx) => {
  ctx.sock = tmuxSocket('doc');
  ctx.env.TMUX_SOCKET = ctx.sock;
  assert.is((await cli(['init', '1'], { env: ctx.env, cwd: ctx.dir })).code, 0);
  const d = await doctor(ctx.env);
  assert.is(d.code, 0, d.text);
  assert.equal(failed(d.checks), []);
  const by = new Map(d.checks.map((c) => [c.check, c]));
  for (const name of ['node', 'tmux', 'perl', 'bash', 'config', 'tree', 'disk', 'stale tasks', 'scheduler', 'session']) assert.is(by.get(name)?.status, 'ok', `${name}: ${JSON.stringify(by.get(name))}`);
  assert.match(d.text, /^ok {4}node {2,}v\d+/m);
});

test('an unsafe tree: fail, with the chmod that fixes it', async (ctx) => {
  fs.chmodSync(ctx.root, 0o777);
  const d = await doctor(ctx.env);
  assert.is(d.code, 1);
  const tree = d.checks.find((c) => c.check === 'tree')!;
  assert.is(tree.status, 'fail');
  assert.is(tree.fix, `chmod 700 ${ctx.root}`);
  assert.match(d.text, new RegExp(`^fail {2}tree .*writable by group or others.*\\n +fix: chmod 700 ${ctx.root}$`, 'm'));
});

test('no tmux on PATH: fail naming the install; perl and bash still found', async (ctx) => {
  const bin = path.join(ctx.dir, 'bin');
  fs.mkdirSync(bin);
  for (const p of ['perl', 'bash']) fs.symlinkSync(execPath(p), path.join(bin, p));
  const d = await doctor({ ...ctx.env, PATH: bin });
  assert.is(d.code, 1);
  assert.equal(failed(d.checks).map((c) => [c.check, c.fix]), [['tmux', 'sudo apt-get install tmux (tmux >= 3.2)']]);
  assert.is(d.checks.find((c) => c.check === 'perl')!.status, 'ok');
});

function execPath(prog: string): string {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && fs.existsSync(path.join(d, prog))) return path.join(d, prog);
  throw new Error(`${prog} not found`);
}

test('armed check-ins and no scheduler: fail naming init; with the scheduler running: ok', async (ctx) => {
  assert.is((await cli(['tasks-enqueue', '-l', 'checkin', '--in', '1h', '--', 'true'], { env: ctx.env })).code, 0);
  const d = await doctor(ctx.env);
  assert.is(d.code, 1);
  const s = d.checks.find((c) => c.check === 'scheduler')!;
  assert.equal([s.status, s.fix], ['fail', 'tmux-orc init (starts the scheduler when check-ins are armed)']);
  assert.match(s.message, /1 check-in\(s\) armed but no scheduler runs \(worker sched-agents\)/);
  const w = start(['worker', '--id', 'sched-agents', '--label', 'checkin'], { env: ctx.env });
  await waitFor('scheduler ready', () => /ready/.test(w.out()), 20_000);
  const again = await doctor(ctx.env);
  assert.is(again.checks.find((c) => c.check === 'scheduler')!.status, 'ok', again.text);
  assert.is(again.code, 0, again.text);
});

test('a broken config file, an open server token and a missing agent CLI: each a fail with its fix; the other checks still run', async (ctx) => {
  fs.writeFileSync(path.join(ctx.dir, 'tmux-orc.yaml'), 'workers: 2\nwokers: 3\n');
  fs.writeFileSync(path.join(ctx.root, 'serve.token'), 'secret\n', { mode: 0o644 });
  fs.chmodSync(path.join(ctx.root, 'serve.token'), 0o644);
  saveAgent(ctx.root, { name: 'pm1', role: 'pm', preset: 'custom', command: 'no-such-agent-cli-xyz --yes', cwd: ctx.dir, env: [], brief: '', socket: TEST_SOCKET, session: 'agents', patterns: {}, created: Date.now() });
  const d = await doctor(ctx.env, ctx.dir);
  assert.is(d.code, 1);
  const f = new Map(failed(d.checks).map((c) => [c.check, c]));
  assert.match(f.get('config')!.message, /tmux-orc\.yaml:2: wokers: unknown setting \(did you mean workers\?\)/);
  assert.match(f.get('config')!.fix!, /^edit \S+tmux-orc\.yaml:2 /);
  assert.is(f.get('serve token')!.fix, `chmod 600 ${path.join(ctx.root, 'serve.token')}`);
  assert.match(f.get('agents')!.message, /no-such-agent-cli-xyz \(for pm1\) is not on PATH/);
  assert.ok(d.checks.some((c) => c.check === 'disk' && c.status === 'ok'), 'later checks ran');
  const other = await cli(['tasks-list'], { env: ctx.env, cwd: ctx.dir });
  assert.is(other.code, 2, 'other commands refuse the file');
});

test.run();

const disk = faultSuite('doctor: full disk');
rootTest(disk, 'a full disk (a small tmpfs): fail naming tasks-clean', async (ctx) => {
  mountTmpfs(ctx.dir + '/mnt', '2m');
  const root = path.join(ctx.dir, 'mnt', 'tasks');
  const env = testEnv(root, { XDG_CONFIG_HOME: path.join(ctx.dir, 'xdg') });
  assert.is((await cli(['tasks-init'], { env })).code, 0);
  fillDisk(path.join(ctx.dir, 'mnt', 'filler'));
  const j = await cli(['doctor', '--json'], { env });
  assert.is(j.code, 1, j.stdout);
  const d = (JSON.parse(j.stdout) as Check[]).find((c) => c.check === 'disk')!;
  assert.is(d.status, 'fail');
  assert.match(d.message, /MiB free .*enqueues and settles will fail/);
  assert.match(d.fix!, /tmux-orc tasks-clean --hours 1/);
});
disk.run();
