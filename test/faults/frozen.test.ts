/**
 * Issue 12, case 1: a frozen or stalled worker never leads to a second concurrent run, and its
 * task file ends whole in exactly one state dir. The lease and the stale check are shortened with
 * TMUX_ORC_LEASE_MS / TMUX_ORC_STALE_CHECK_MS (harness KNOBS) so that a freeze of a few seconds
 * outlasts them many times over.
 */
import path from 'node:path';
import * as assert from 'uvu/assert';
import { exited, waitFor } from '../helpers.ts';
import {
  LEASE_MS, STALE_CHECK_MS, assertWhole, cmdline, children, count, descendants, detector, enqueue, faultSuite, findAll, init, isStopped,
  kill, lines, ls, needsTest, probe, procsOfTask, rootTest, sleep, until, waitTill, worker, workerOnHost, workerUnderStrace,
} from './harness.ts';

const F = faultSuite('faults: frozen and stalled workers');

rootTest(F, 'frozen worker on another host: its task runs once and ends whole in done/; a dead host\'s task is recovered after the lease', async ({ dir, root }) => {
  await init(root);
  const runs = path.join(dir, 'runs');
  const a = workerOnHost(root, 'hostA', ['--id', 'A']);
  await waitFor('worker A (hostA) is a node process', () => cmdline(a.pid!).includes('worker'), 10000);
  const id = await enqueue(root, '--id', 'frozen1', '--', detector(dir, 4));
  await waitTill(`hostA starts ${id}`, () => count(runs, `start ${id}`) === 1, 20000, () => `A: ${a.out()}`);

  // Worker B on this host, with a stale check every STALE_CHECK_MS; its probe proves it is up.
  const b = worker(root, ['--id', 'B']);
  await probe(root, b);

  // Freeze A's node process (its launcher and task keep going) for 3.5 leases: the task ends
  // while A is still frozen, so both "lease while running" and "result recorded, worker frozen" are covered.
  assert.ok(kill(a.pid!, 'SIGSTOP'));
  await waitFor('A stopped', () => isStopped(a.pid!), 5000);
  await sleep(3.5 * LEASE_MS); // the fault's duration, not a timing assertion
  assert.ok(kill(a.pid!, 'SIGCONT'));

  await until(root, id, ['done', 'failed'], 30000);
  await waitFor('the first run finished', () => count(runs, `start ${id}`) >= 1 && count(path.join(dir, 'finished'), `finished ${id}`) >= 1, 15000);
  assert.equal(lines(path.join(dir, 'overlap')), [], 'no second run while the first held the lock');
  assert.is(count(runs, `start ${id}`), 1, `ran exactly once: ${lines(runs)}\nA: ${a.out()}\nB: ${b.out()}`);
  assertWhole(root, id, 'done', 'done');
  assert.equal(ls(root, 'running'), [], 'nothing left in running/');

  // Control: the lease is really in effect (so the freeze above outlasted it). Stop B, let A claim
  // a task, then kill hostA outright (worker, launcher, task): a fresh B must recover the task
  // once the lease lapses and run it to done — well before the old fixed 60 s lease.
  b.kill('SIGTERM');
  await exited(b, 15000);
  const dead = await enqueue(root, '--id', 'deadhost1', '--', detector(dir, 1));
  await waitFor(`hostA starts ${dead}`, () => count(runs, `start ${dead}`) === 1, 20000);
  // The whole host dies: its worker, launcher and every process of the task (also any that left the process tree).
  for (const p of [a.pid!, ...descendants(a.pid!), ...procsOfTask(dir, dead)]) kill(p, 'SIGKILL');
  await exited(a, 5000);
  const b2 = worker(root, ['--id', 'B2']);
  await until(root, dead, 'done', 8 * LEASE_MS + 10 * STALE_CHECK_MS + 5000, () => `B2: ${b2.out().slice(-600)}`);
  assert.is(count(path.join(dir, 'finished'), `finished ${dead}`), 1);
  assert.equal(lines(path.join(dir, 'overlap')), []);
  assertWhole(root, dead, 'done', 'done');
});

F('single host: a worker SIGSTOPped mid-task for many stale checks, task ending meanwhile: run once, whole file in done/', async ({ dir, root }) => {
  await init(root);
  const runs = path.join(dir, 'runs');
  const a = worker(root, ['--id', 'A']);
  const id = await enqueue(root, '--id', 'stop1', '--', detector(dir, 2));
  await waitTill(`A starts ${id}`, () => count(runs, `start ${id}`) === 1, 20000, () => `A: ${a.out()}`);
  assert.ok(kill(a.pid!, 'SIGSTOP'));
  await waitFor('A stopped', () => isStopped(a.pid!), 5000);
  const b = worker(root, ['--id', 'B']);
  await probe(root, b);
  await sleep(20 * STALE_CHECK_MS + 2000); // the fault's duration: the task ends while A is stopped
  assert.is(count(path.join(dir, 'finished'), `finished ${id}`), 1, 'the task ran to its end while its worker was stopped');
  assert.ok(kill(a.pid!, 'SIGCONT'));
  await until(root, id, ['done', 'failed'], 20000, () => `A: ${a.out().slice(-400)}\nB: ${b.out().slice(-400)}`);
  assert.equal(lines(path.join(dir, 'overlap')), []);
  assert.is(count(runs, `start ${id}`), 1, `ran once: ${lines(runs)}\nB: ${b.out()}`);
  assertWhole(root, id, 'done', 'done');
  assert.equal(ls(root, 'running'), []);
});

needsTest(F, 'stall between claim and start on one host (strace-delayed claim): no second run, whole file in done/', ['strace'], async ({ dir, root }) => {
  await init(root);
  const runs = path.join(dir, 'runs');
  const id = await enqueue(root, '--id', 'stall1', '--', detector(dir, 1));
  const [name] = ls(root, 'queue');
  assert.ok(name, 'queued');
  const stallUs = 6_000_000; // 20 stale checks
  const a = workerUnderStrace(root, ['--id', 'A'], path.join(root, 'queue', name), path.join(root, 'running', name), `delay_exit=${stallUs}:when=1`);
  await waitTill('claimed by the stalled worker', () => ls(root, 'running').includes(name), 20000, () => `A: ${a.out()}`);
  for (const c of children(a.pid!)) a.also(c.pid);
  const b = worker(root, ['--id', 'B']);
  await probe(root, b);
  assert.is(count(runs, `start ${id}`), 0, 'the stalled claim has not started yet');
  await until(root, id, ['done', 'failed'], 40000);
  await waitFor('the run finished', () => count(path.join(dir, 'finished'), `finished ${id}`) >= 1, 15000);
  assert.equal(lines(path.join(dir, 'overlap')), []);
  assert.is(count(runs, `start ${id}`), 1, `ran once: ${lines(runs)}\nB: ${b.out()}`);
  assertWhole(root, id, 'done', 'done');
});

needsTest(F, 'a worker killed between claim and start: its claim is recovered and the task runs once', ['strace'], async ({ dir, root }) => {
  await init(root);
  const runs = path.join(dir, 'runs');
  const id = await enqueue(root, '--id', 'claimkill1', '--', detector(dir, 0.5));
  const [name] = ls(root, 'queue');
  const a = workerUnderStrace(root, ['--id', 'A'], path.join(root, 'queue', name), path.join(root, 'running', name), 'delay_exit=60000000:when=1');
  await waitTill('claimed by the stalled worker', () => ls(root, 'running').includes(name), 20000, () => `A: ${a.out()}`);
  const node = children(a.pid!).find((c) => cmdline(c.pid).includes('worker'));
  assert.ok(node, 'the traced worker process');
  a.also(node.pid);
  // SIGKILL the stalled worker (and its launcher), then strace: a tracee held in a delayed
  // syscall dies only once its tracer is gone, and it never returns from the rename.
  for (const p of [...descendants(node.pid), node.pid]) kill(p, 'SIGKILL');
  kill(a.pid!, 'SIGKILL');
  await exited(a, 10000);
  await waitFor('traced worker gone', () => !cmdline(node.pid).includes('worker'), 10000);
  // Nothing of the task can run now: a worker with a short stale check must take the claim back
  // promptly (not after a fixed 30 s grace).
  const b = worker(root, ['--id', 'B']);
  await until(root, id, 'done', 15000, () => `B: ${b.out().slice(-600)}`);
  assert.is(count(runs, `start ${id}`), 1);
  assert.equal(lines(path.join(dir, 'overlap')), []);
  assertWhole(root, id, 'done', 'done');
  assert.is(findAll(root, id).length, 1);
});

F.run();
