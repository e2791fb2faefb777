/**
 * Groups (issue 18) with real workers racing: a group's limit holds across all workers (8 of them
 * for the race), a live raise is used, a lower stops nothing and lets nothing new start until
 * fewer run, a worker that dies holding a slot neither frees it early nor keeps it for ever, and
 * the group commands refuse what they must. Concurrency is recorded inside the tasks
 * (gates-fixture.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli } from '../helpers.ts';
import { assertOneCleanLine, assertWhole, children, dropTask, enqueue, env, faultSuite, init, kill, ls, STATES, until, waitTill, worker, type Tracked } from '../faults/harness.ts';
import { counted, most, seen } from './gates-fixture.ts';

const G = faultSuite('queue: groups');

const orc = async (root: string, ...args: string[]) => {
  const r = await cli(args, { env: env(root) });
  assert.is(r.code, 0, `tmux-orc ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

const workers = (root: string, n: number): Tracked[] => Array.from({ length: n }, (_, i) => worker(root, ['--id', String(i)]));
const allDone = (root: string, ids: string[]) =>
  waitTill(`${ids.length} tasks done`, () => ids.every((id) => fs.readdirSync(path.join(root, 'done')).some((n) => n.endsWith(`-${id}.task`))), 60000, () =>
    STATES.map((s) => `${s}: ${ls(root, s).length}`).join(', '));

G('8 workers, --parallel 2: never 3 at once while workers race for the slots; a live raise to 4 is used at once and never exceeded; ungrouped tasks are not held back', async ({ dir, root }) => {
  await init(root);
  await orc(root, 'group', 'set', 'g', '--parallel', '2');
  const gd = path.join(dir, 'g');
  const ud = path.join(dir, 'u');
  fs.mkdirSync(gd);
  fs.mkdirSync(ud);
  fs.writeFileSync(path.join(gd, 'phase'), 'two\n');
  const ids: string[] = [];
  for (let i = 0; i < 16; i++) ids.push(await enqueue(root, '--group', 'g', '--', counted(gd, 'sleep 0.3')));
  const free: string[] = [];
  for (let i = 0; i < 6; i++) free.push(await enqueue(root, '--', counted(ud, 'sleep 1')));
  const ws = workers(root, 8);
  await waitTill('4 grouped runs started', () => seen(gd).length >= 4, 30000, () => ws.map((w) => w.out().slice(-300)).join('\n'));
  // The phase first: a run that reads "two" started before the raise.
  fs.writeFileSync(path.join(gd, 'phase'), 'four\n');
  await orc(root, 'group', 'set', 'g', '--parallel', '4');
  await allDone(root, [...ids, ...free]);
  const s = seen(gd);
  assert.is(s.length, 16, `each grouped task ran once: ${JSON.stringify(s)}`);
  assert.is(new Set(s.map((x) => x.id)).size, 16);
  assert.is(most(s.filter((x) => x.phase === 'two')), 2, `limit 2 used and never exceeded before the raise: ${JSON.stringify(s)}`);
  assert.ok(most(s) <= 4, `never more than 4 after the raise: ${JSON.stringify(s)}`);
  assert.ok(most(s.filter((x) => x.phase === 'four')) >= 3, `the raise was used: ${JSON.stringify(s)}`);
  assert.ok(most(seen(ud)) >= 3, `ungrouped tasks ran more than the group's limit at once: ${JSON.stringify(seen(ud))}`);
  const list = JSON.parse(await orc(root, 'group', 'list', '--json'));
  assert.equal(list, [{ group: 'g', parallel: 4, running: 0, queued: 0 }]);
});

G('lowering the limit stops no running task, and no new one starts until fewer than the new limit run', async ({ dir, root }) => {
  await init(root);
  await orc(root, 'group', 'set', 'g', '--parallel', '3');
  const gd = path.join(dir, 'g');
  fs.mkdirSync(gd);
  const go = (i: number) => path.join(dir, `go.${i}`);
  const long: string[] = [];
  for (let i = 0; i < 3; i++) long.push(await enqueue(root, '--group', 'g', '--', counted(gd, `while [ ! -e '${go(i)}' ]; do sleep 0.02; done`)));
  const ws = workers(root, 4);
  await waitTill('3 long runs', () => seen(gd).length === 3, 30000, () => ws.map((w) => w.out().slice(-300)).join('\n'));
  await orc(root, 'group', 'set', 'g', '--parallel', '1');
  const short: string[] = [];
  for (let i = 0; i < 3; i++) short.push(await enqueue(root, '--group', 'g', '--', counted(gd, 'sleep 0.1')));
  assert.equal(JSON.parse(await orc(root, 'group', 'list', '--json')), [{ group: 'g', parallel: 1, running: 3, queued: 3 }]);
  for (let i = 0; i < 3; i++) {
    fs.writeFileSync(go(i), '');
    await until(root, long[i], 'done');
  }
  await allDone(root, short);
  const s = seen(gd);
  for (const id of short) assert.is(s.find((x) => x.id === id)?.n, 1, `${id} started alone, after every long run had ended: ${JSON.stringify(s)}`);
  assert.equal(s.slice(0, 3).map((x) => x.n), [1, 2, 3], 'the three long runs were not stopped by the lower');
});

G('a worker SIGKILLed while its task holds the only slot: the slot stays held until that task ends (no second run starts), then recovery settles it and the rest run; killing the whole task frees it too', async ({ dir, root }) => {
  await init(root);
  await orc(root, 'group', 'set', 'g', '--parallel', '1');
  const gd = path.join(dir, 'g');
  fs.mkdirSync(gd);
  const go = path.join(dir, 'go');
  const a = await enqueue(root, '--id', 'a', '--group', 'g', '--', counted(gd, `while [ ! -e '${go}' ]; do sleep 0.02; done`));
  const w0 = worker(root, ['--id', '0']);
  await until(root, a, 'running');
  const others = [await enqueue(root, '--group', 'g', '--', counted(gd, 'sleep 0.1')), await enqueue(root, '--group', 'g', '--', counted(gd, 'sleep 0.1'))];
  const w1 = worker(root, ['--id', '1']);
  // The worker and its launcher die; the task's recorder lives on, holding the slot.
  const launcher = children(w0.pid!).find((p) => p.comm === 'perl');
  assert.ok(launcher, `the worker's launcher: ${JSON.stringify(children(w0.pid!))}`);
  kill(w0.pid!, 'SIGKILL');
  kill(launcher.pid, 'SIGKILL');
  const plain = await enqueue(root, '--', 'true');
  await until(root, plain, 'done', 30000, () => w1.out()); // worker 1 is up and has looked at the queue
  assert.is(seen(gd).length, 1, `nothing else of g started while a still runs: ${JSON.stringify(seen(gd))}`);
  fs.writeFileSync(go, '');
  await allDone(root, [a, ...others]);
  assertWhole(root, a, 'done', 'done');
  const s = seen(gd);
  assert.equal(s.map((x) => x.n), [1, 1, 1], `one at a time: ${JSON.stringify(s)}`);

  // Now the whole holder dies: worker, launcher, recorder and command. The kernel frees the slot
  // and recovery requeues the task, which runs again.
  fs.rmSync(go);
  const b = await enqueue(root, '--id', 'b', '--group', 'g', '--', counted(gd, `while [ ! -e '${go}' ]; do sleep 0.02; done`));
  const w2 = worker(root, ['--id', '2', '--label', 'none']); // takes nothing, so worker 1 takes b
  await until(root, b, 'running');
  // Parents first, so no recorder or launcher outlives its command long enough to record its end.
  const order: number[] = [];
  for (let todo = [w1.pid!]; todo.length; todo = todo.flatMap((p) => children(p).map((c) => c.pid))) order.push(...todo);
  for (const p of order) kill(p, 'SIGKILL');
  fs.writeFileSync(go, '');
  const w3 = worker(root, ['--id', '3']);
  await until(root, b, 'done', 30000, () => w3.out());
  assert.ok(w2.exitCode === null);
  assert.match(fs.readFileSync(path.join(root, 'done', ls(root, 'done').find((n) => n.endsWith('-b.task'))!), 'utf8'), /ATTEMPT=2/, 'b was requeued by recovery and ran again');
});

G('group commands: unknown group refused at enqueue (3), bad names and limits (2), rm refused while tasks are queued (4), then removed; a hand-written task of an unknown group runs in one made for it', async ({ root }) => {
  await init(root);
  let r = await cli(['tasks-enqueue', '--group', 'nope', '--', 'true'], { env: env(root) });
  assert.is(r.code, 3, r.stderr);
  assertOneCleanLine(r, 'unknown group');
  assert.match(r.stderr, /group set nope --parallel/);
  for (const args of [['group', 'set', '../x', '--parallel', '1'], ['group', 'set', 'g', '--parallel', '0'], ['group', 'set', 'g', '--parallel', '1.5'], ['tasks-enqueue', '--lock', 'a/b', '--', 'true']]) {
    r = await cli(args, { env: env(root) });
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assertOneCleanLine(r, args.join(' '));
  }
  await orc(root, 'group', 'set', 'g', '--parallel', '2');
  const id = await enqueue(root, '--group', 'g', '--', 'true');
  r = await cli(['group', 'rm', 'g'], { env: env(root) });
  assert.is(r.code, 4, r.stderr);
  assert.match(r.stderr, /1 queued/);
  assert.equal(JSON.parse(await orc(root, 'group', 'list', '--json')), [{ group: 'g', parallel: 2, running: 0, queued: 1 }]);
  await cli(['tasks-cancel', id], { env: env(root) });
  await orc(root, 'group', 'rm', 'g');
  assert.not.ok(fs.existsSync(path.join(root, 'groups', 'g')));
  r = await cli(['group', 'rm', 'g'], { env: env(root) });
  assert.is(r.code, 3, r.stderr);
  assert.equal(JSON.parse(await orc(root, 'group', 'list', '--json')), []);

  // A hand-written task naming a group nobody set runs, in a group of limit 1 made for it.
  const hand = 'handmade';
  dropTask(root, hand, `ID=${hand}\nCMD=true\nGROUP=adhoc\n`);
  const w = worker(root, ['--id', '0', '--until-empty']);
  await until(root, hand, 'done', 20000, () => w.out());
  assert.equal(JSON.parse(await orc(root, 'group', 'list', '--json')), [{ group: 'adhoc', parallel: 1, running: 0, queued: 0 }]);
});

G.run();
