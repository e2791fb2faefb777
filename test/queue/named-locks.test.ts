/**
 * Named locks (issue 18) with real workers and real shells: a lock taken by `tmux-orc lock`
 * commands and by tasks with `--lock` never has two holders (the flock overlap detector of the
 * fault harness), a worker passes over a task whose lock is held instead of claiming it and
 * blocking, the lock is freed when its holder is SIGKILLed (a shell's command, or a task's whole
 * process tree), and `lock` reports timeouts (exit 7) and its command's exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { CLI, cli } from '../helpers.ts';
import { assertOneCleanLine, children, detector, enqueue, env, faultSuite, init, kill, lines, spawnTracked, until, waitTill, worker } from '../faults/harness.ts';

const L = faultSuite('queue: named locks');

const lockCmd = (root: string, args: string[]) => spawnTracked(process.execPath, [CLI, 'lock', ...args], { env: env(root) });
const held = async (root: string) => JSON.parse((await cli(['locks', '--json'], { env: env(root) })).stdout) as Array<{ name: string; mode: string; pid: number; task?: string; waiting: number }>;
const exitOf = (c: { exitCode: number | null; once: (e: 'exit', f: (code: number | null, sig: string | null) => void) => unknown }) =>
  new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

L('4 workers running tasks with --lock L and 3 shells running `lock L`: never two holders at once; all of them run', async ({ dir, root }) => {
  await init(root);
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await enqueue(root, '--lock', 'L', '--', detector(dir, 0.1, 'L')));
  const plain: string[] = [];
  for (let i = 0; i < 4; i++) plain.push(await enqueue(root, '--', 'sleep 0.2'));
  const ws = Array.from({ length: 4 }, (_, i) => worker(root, ['--id', String(i)]));
  const shells = Array.from({ length: 3 }, () => lockCmd(root, ['L', '--', detector(dir, 0.1, 'L')]));
  for (const [i, s] of shells.entries()) assert.is(await exitOf(s), 0, `shell ${i}: ${s.out()}`);
  for (const id of [...ids, ...plain]) await until(root, id, 'done', 30000, () => ws.map((w) => w.out().slice(-300)).join('\n'));
  assert.equal(lines(path.join(dir, 'overlap')), [], 'no run found the lock held');
  assert.is(lines(path.join(dir, 'runs')).length, 13, 'every task and every shell ran once');
  assert.equal(await held(root), [], 'nothing holds L afterwards');
});

L('a task whose lock a shell holds stays queued (the worker takes other work meanwhile) and runs once the shell is done; locks shows the holder', async ({ dir, root }) => {
  await init(root);
  const go = path.join(dir, 'go');
  const shell = lockCmd(root, ['L', '--', `touch '${dir}/in'; while [ ! -e '${go}' ]; do sleep 0.02; done`]);
  await waitTill('the shell holds L', () => fs.existsSync(path.join(dir, 'in')), 20000, () => shell.out());
  const locked = await enqueue(root, '--lock', 'L', '--', 'true');
  const w = worker(root, ['--id', '0']);
  const plain = await enqueue(root, '--', 'true');
  await until(root, plain, 'done', 20000, () => w.out());
  assert.ok(fs.readdirSync(path.join(root, 'queue')).some((n) => n.endsWith(`-${locked}.task`)), 'the locked task was not claimed');
  const h = await held(root);
  assert.is(h.length, 1, JSON.stringify(h));
  assert.is(h[0].name, 'L');
  assert.is(h[0].mode, 'exclusive');
  assert.ok(children(shell.pid!).some((c) => c.pid === h[0]!.pid), `the holder is the shell's command: ${JSON.stringify(h)}`);
  fs.writeFileSync(go, '');
  assert.is(await exitOf(shell), 0);
  await until(root, locked, 'done', 20000, () => w.out());
});

L('the lock is freed when its holder is SIGKILLed: a shell command, and a task with its worker, launcher and recorder', async ({ dir, root }) => {
  await init(root);
  const shell = lockCmd(root, ['L', '--', 'sleep', '60']);
  const h = await waitTill('L held', async () => (await held(root)).find((x) => x.name === 'L'), 20000, () => shell.out());
  kill(h!.pid, 'SIGKILL');
  assert.is(await exitOf(shell), 137, 'lock exits 128+9 when its command is SIGKILLed');
  let r = await cli(['lock', 'L', '--timeout', '5s', '--', 'true'], { env: env(root) });
  assert.is(r.code, 0, r.stderr);

  const id = await enqueue(root, '--lock', 'L', '--', `touch '${dir}/task-in'; sleep 60`);
  const w = worker(root, ['--id', '0']);
  await waitTill('the task holds L', () => fs.existsSync(path.join(dir, 'task-in')), 20000, () => w.out());
  r = await cli(['lock', 'L', '--timeout', '0.2s', '--', 'true'], { env: env(root) });
  assert.is(r.code, 7, `held by the task: ${r.stderr}`);
  assert.equal((await held(root)).map((x) => x.task), [id], 'locks names the task');
  const order: number[] = [];
  for (let todo = [w.pid!]; todo.length; todo = todo.flatMap((p) => children(p).map((c) => c.pid))) order.push(...todo);
  for (const p of order) kill(p, 'SIGKILL');
  r = await cli(['lock', 'L', '--timeout', '5s', '--', 'true'], { env: env(root) });
  assert.is(r.code, 0, `freed by the kernel: ${r.stderr}`);
});

L('lock: its command exit code, exit 7 with one line naming the holder on timeout, shared holders together, bad input exit 2', async ({ dir, root }) => {
  await init(root);
  let r = await cli(['lock', 'L', '--', 'exit 3'], { env: env(root) });
  assert.is(r.code, 3, r.stderr);
  r = await cli(['lock', 'L', 'sh', '-c', 'echo "$0 $1"', 'a b', 'c'], { env: env(root) });
  assert.is(r.stdout, 'a b c\n', 'several words are an argv, passed as they are');
  const go = path.join(dir, 'go');
  const shared = lockCmd(root, ['L', '--shared', '--', `touch '${dir}/in'; while [ ! -e '${go}' ]; do sleep 0.02; done`]);
  await waitTill('shared holder in', () => fs.existsSync(path.join(dir, 'in')), 20000, () => shared.out());
  r = await cli(['lock', 'L', '--shared', '--timeout', '2s', '--', 'true'], { env: env(root) });
  assert.is(r.code, 0, `a second shared holder: ${r.stderr}`);
  r = await cli(['lock', 'L', '--timeout', '0.3s', '--', 'true'], { env: env(root) });
  assert.is(r.code, 7, r.stderr);
  assertOneCleanLine(r, 'timeout');
  assert.match(r.stderr, /lock L: not had within 300ms \(held by pid \d+\)/);
  fs.writeFileSync(go, '');
  assert.is(await exitOf(shared), 0);
  for (const args of [['lock', '../x', '--', 'true'], ['lock', 'L', '--timeout', 'soon', '--', 'true'], ['lock', 'L']]) {
    r = await cli(args, { env: env(root) });
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assertOneCleanLine(r, args.join(' '));
  }
});

L.run();
