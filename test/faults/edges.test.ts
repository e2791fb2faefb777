/**
 * Issue 12, case 8 (the rest): a state directory deleted under a worker, long and absurd
 * durations, tasks-init on an existing loose directory, an empty --root.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli, exited } from '../helpers.ts';
import { assertOneCleanLine, enqueue, env, faultSuite, field, findAll, init, ls, pathRe, probe, textLines, until, worker } from './harness.ts';

const E = faultSuite('faults: edges');

E('rm -rf running/ while a worker runs: it exits 1 with one line naming the directory (no spinning); the queue is kept', async ({ root }) => {
  await init(root);
  const w = worker(root, ['--id', '0']);
  await probe(root, w);
  const id = await enqueue(root, '--in', '1500ms', '--', 'true');
  fs.rmSync(path.join(root, 'running'), { recursive: true, force: true });
  const r = await exited(w, 10000).catch((e) => assert.unreachable(`${(e as Error).message}; the worker printed:\n${w.out().slice(-600)}`));
  assert.is(r?.code, 1, `exit 1; printed:\n${w.out().slice(-600)}`);
  assert.is(textLines(w.err()).length, 1, `one line on stderr:\n${w.err()}`);
  assert.match(w.err(), pathRe(path.join(root, 'running')), `names the missing directory:\n${w.err()}`);
  assert.is(findAll(root, id)[0]?.state, 'queue', 'the queued task is kept');
});

E('--timeout 25d (over 2^31 ms): the task runs to done, not killed after a few ms', async ({ root }) => {
  await init(root);
  const id = await enqueue(root, '--timeout', '25d', '--', 'sleep 1; echo ok');
  const w = worker(root, ['--id', '0', '--until-empty']);
  await exited(w, 30000);
  await until(root, id, ['done', 'failed'], 5000);
  const [f] = findAll(root, id);
  assert.is(f.state, 'done', `${id} ended ${field(f.text, 'STATUS')} (${field(f.text, 'REASON')}); worker printed:\n${w.out()}`);
  assert.is(fs.readFileSync(path.join(root, 'logs', `${id}.out`), 'utf8'), 'ok\n');
  assert.not.match(w.out(), /TimeoutOverflowWarning/);
});

E('absurd durations: --timeout 99999999999999999999d and --in 99999999d exit 2 with one line; nothing is queued', async ({ root }) => {
  await init(root);
  for (const args of [['--timeout', '99999999999999999999d'], ['--in', '99999999d'], ['--backoff', '99999999999999999999d', '--retries', '1']]) {
    const r = await cli(['tasks-enqueue', ...args, '--', 'true'], { env: env(root) });
    assert.is(r.code, 2, `${args.join(' ')}: exit 2, got ${r.code}: ${r.stdout}${r.stderr}`);
    assertOneCleanLine(r, args.join(' '));
    assert.is(r.stdout, '', 'no ID printed');
  }
  assert.equal(ls(root, 'queue'), []);
});

E('tasks-init on an existing 0755 directory makes it 0700', async ({ root }) => {
  fs.mkdirSync(root, { mode: 0o755 });
  fs.chmodSync(root, 0o755);
  const r = await cli(['tasks-init', '--root', root], { env: env(root) });
  assert.is(r.code, 0, r.stderr);
  assert.is((fs.statSync(root).mode & 0o777).toString(8), '700');
  for (const d of ['queue', 'running', 'done', 'failed', 'tmp', 'logs']) assert.is((fs.statSync(path.join(root, d)).mode & 0o777).toString(8), '700', d);
});

E("--root '' exits 2 with one line, for tasks-init, tasks-enqueue, tasks-list and worker; nothing is created", async ({ dir }) => {
  const e = env(dir);
  delete e.TASK_ROOT;
  // Options go before the command: after it (or after --) every word is the command's.
  for (const args of [['tasks-init'], ['tasks-enqueue'], ['tasks-list'], ['worker', '--until-empty']]) {
    const r = await cli([...args, '--root', '', ...(args[0] === 'tasks-enqueue' ? ['--', 'true'] : [])], { env: e, cwd: dir, timeoutMs: 15000 });
    assert.is(r.code, 2, `${args[0]} --root '': exit 2, got ${r.code}: ${r.stdout}${r.stderr}`);
    assertOneCleanLine(r, `${args[0]} --root ''`);
  }
  assert.not.ok(fs.existsSync(path.join(dir, 'var')), 'no ./var/tmux/... tree was made');
});

E.run();
