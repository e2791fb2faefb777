/**
 * One table of cases, run against both backends, so that the tree and Redis cannot drift: each
 * case uses only the real CLI (enqueue, list, tail, cancel, retry, clean, health, workers) and
 * judges by what the commands print.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, cleanup, cli, start, tempDir, testEnv, type Run } from '../helpers.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { REDIS_MISSING, startRedis, type RedisServer } from './server.ts';
import { counted, most, seen } from '../queue/gates-fixture.ts';

interface Backend {
  name: string;
  env: NodeJS.ProcessEnv;
  orc(...args: string[]): Promise<Run>;
  /** A worker that runs what is queued and exits. */
  drain(...args: string[]): Promise<Run>;
  /** A long-lived worker; stopped by the suite. */
  worker(...args: string[]): ReturnType<typeof start>;
}

interface Row {
  id: string;
  state: string;
  status: string;
  attempt: number;
  exit?: number;
  reason?: string;
  worker?: string;
}

async function rows(b: Backend, which = 'all'): Promise<Row[]> {
  const r = await b.orc('tasks-list', which, '--json');
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}
const rowOf = async (b: Backend, id: string) => (await rows(b)).find((r) => r.id === id);

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh directory for a case's concurrency records (gates-fixture.ts), under its TMPDIR. */
function recorder(b: Backend, name: string): string {
  const d = path.join(b.env.TMPDIR!, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** `n` long-lived workers, each with its own ID. */
const workers = (b: Backend, n: number) => Array.from({ length: n }, (_, i) => b.worker('--id', String(i)));
const outs = (ws: Array<{ out: () => string }>) => () => ws.map((w) => w.out().slice(-400)).join('\n');
/** A task body that waits for `file` to exist. */
const waitFor = (file: string) => `while [ ! -e '${file}' ]; do sleep 0.05; done`;

const GROUP_CASES: Array<[string, (b: Backend) => Promise<void>]> = [
  ['groups: with 3 workers racing, never more than a group\'s limit (2, and 1) of its tasks run at once; every task runs once', async (b) => {
    assert.is((await b.orc('group', 'set', 'two', '--parallel', '2')).code, 0);
    assert.is((await b.orc('group', 'set', 'one', '--parallel', '1')).code, 0);
    const [d2, d1] = [recorder(b, 'two'), recorder(b, 'one')];
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await b.orc('tasks-enqueue', '--group', 'two', '--', counted(d2, 'sleep 0.2'))).stdout.trim());
      ids.push((await b.orc('tasks-enqueue', '--group', 'one', '--', counted(d1, 'sleep 0.1'))).stdout.trim());
    }
    const ws = workers(b, 3);
    await until('every task done', async () => (await rows(b, 'done')).length === ids.length, 60_000).catch((e) => {
      throw new Error(`${e.message}\n${outs(ws)()}`);
    });
    assert.equal(seen(d2).map((x) => x.id).sort(), ids.filter((_, i) => i % 2 === 0).sort(), 'each task of two ran once');
    assert.equal(seen(d1).map((x) => x.id).sort(), ids.filter((_, i) => i % 2 === 1).sort(), 'each task of one ran once');
    assert.ok(most(seen(d2)) <= 2, `never 3 of two at once: ${JSON.stringify(seen(d2))}`);
    assert.is(most(seen(d1)), 1, `one at a time: ${JSON.stringify(seen(d1))}`);
  }],
  ['groups: a live raise is used at once (three waiting tasks of a group of 1 all start once it is 3)', async (b) => {
    assert.is((await b.orc('group', 'set', 'g', '--parallel', '1')).code, 0);
    const d = recorder(b, 'g');
    const go = path.join(d, 'go');
    for (let i = 0; i < 3; i++) await b.orc('tasks-enqueue', '--group', 'g', '--', counted(d, waitFor(go)));
    const ws = workers(b, 3);
    await until('one to start', async () => seen(d).length >= 1);
    // Still one: each worker has looked at the queue (an ungrouped task queued after them ran).
    await b.orc('tasks-enqueue', '-i', 'marker', '-p', '-5', '--', 'true');
    await until('the marker to run', async () => (await rowOf(b, 'marker'))?.state === 'done');
    assert.is(seen(d).length, 1, `the limit held: ${JSON.stringify(seen(d))}`);
    assert.is((await b.orc('group', 'set', 'g', '--parallel', '3')).stdout, 'group g: parallel 3 (was 1)\n');
    await until('all three to run at once, none having ended', async () => seen(d).length === 3, 20_000).catch((e) => {
      throw new Error(`${e.message}\n${outs(ws)()}`);
    });
    assert.equal(seen(d).map((x) => x.n), [1, 2, 3]);
    fs.writeFileSync(go, '');
    await until('all done', async () => (await rows(b, 'done')).length === 4);
  }],
  ['groups: a paused group starts none of its tasks (others run), is listed paused, and runs once resumed', async (b) => {
    assert.is((await b.orc('group', 'set', 'g', '--parallel', '2')).code, 0);
    assert.is((await b.orc('tasks-pause', '--group', 'g')).stdout, 'group g paused\n');
    assert.is((await b.orc('tasks-pause', '--group', 'g')).stdout, 'group g was paused already\n');
    for (const id of ['g1', 'g2']) await b.orc('tasks-enqueue', '-i', id, '--group', 'g', '--', 'true');
    await b.orc('tasks-enqueue', '-i', 'free', '-p', '-5', '--', 'true');
    const ws = workers(b, 2);
    await until('the ungrouped task to run', async () => (await rowOf(b, 'free'))?.state === 'done');
    // What must not happen can only be looked for a while: a worker that takes a task does so at once.
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      for (const id of ['g1', 'g2']) {
        const r = await rowOf(b, id);
        assert.is(`${r?.state} ${r?.status}`, 'queue paused', outs(ws)());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const list = await b.orc('tasks-list');
    assert.match(list.stderr, /group g paused since \d{4}-/);
    const health = JSON.parse((await b.orc('tasks-health', '--json')).stdout) as { paused: { groups: Record<string, string> } };
    assert.equal(Object.keys(health.paused.groups), ['g']);
    assert.is((await b.orc('tasks-resume', '--group', 'g')).stdout, 'group g resumed\n');
    assert.is((await b.orc('tasks-resume', '--group', 'g')).stdout, 'group g was not paused\n');
    await until('both to run once resumed', async () => (await rowOf(b, 'g1'))?.state === 'done' && (await rowOf(b, 'g2'))?.state === 'done');
  }],
  ['groups: list counts running and queued; rm is refused while it has tasks (exit 4), works once none, then exit 3; unknown group at enqueue (3), bad limit (2)', async (b) => {
    let r = await b.orc('tasks-enqueue', '--group', 'g', '--', 'true');
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, /group set g --parallel/);
    r = await b.orc('group', 'set', 'g', '--parallel', '0');
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1);
    assert.is((await b.orc('group', 'set', 'g', '--parallel', '1')).code, 0);
    const go = path.join(recorder(b, 'g'), 'go');
    await b.orc('tasks-enqueue', '-i', 'first', '--group', 'g', '--', waitFor(go));
    for (const id of ['second', 'third']) await b.orc('tasks-enqueue', '-i', id, '--group', 'g', '--', 'true');
    b.worker('--id', '0');
    await until('first to run', async () => (await rowOf(b, 'first'))?.state === 'running');
    assert.equal(JSON.parse((await b.orc('group', 'list', '--json')).stdout), [{ group: 'g', parallel: 1, running: 1, queued: 2 }]);
    r = await b.orc('group', 'rm', 'g');
    assert.is(r.code, 4, r.stderr);
    assert.match(r.stderr, /1 running and 2 queued/);
    fs.writeFileSync(go, '');
    await until('all done', async () => (await rows(b, 'done')).length === 3);
    assert.equal(JSON.parse((await b.orc('group', 'list', '--json')).stdout), [{ group: 'g', parallel: 1, running: 0, queued: 0 }]);
    assert.is((await b.orc('group', 'rm', 'g')).stdout, 'group g removed\n');
    r = await b.orc('group', 'rm', 'g');
    assert.is(r.code, 3, r.stderr);
    assert.equal(JSON.parse((await b.orc('group', 'list', '--json')).stdout), []);
  }],
  ['groups: a task waiting on --after another of its own group of 1 does not keep it from running (no deadlock)', async (b) => {
    assert.is((await b.orc('group', 'set', 'g', '--parallel', '1')).code, 0);
    // The dependent is looked at first (higher priority): it must not take the only slot.
    await b.orc('tasks-enqueue', '-i', 'dep', '--group', 'g', '-p', '-1', '--', 'sleep 0.3');
    await b.orc('tasks-enqueue', '-i', 'then', '--group', 'g', '--after', 'dep', '--', 'true');
    workers(b, 2);
    await until('both to run', async () => (await rowOf(b, 'then'))?.state === 'done', 30_000);
    assert.is((await rowOf(b, 'dep'))?.state, 'done');
  }],
];

const CASES: Array<[string, (b: Backend) => Promise<void>]> = [
  ['a task runs once, its output is kept, and it is listed done with its exit code', async (b) => {
    const id = (await b.orc('tasks-enqueue', '-i', 'hello', '--', 'echo out; echo err >&2')).stdout.trim();
    assert.is(id, 'hello');
    assert.is((await b.drain()).code, 0);
    const row = await rowOf(b, 'hello');
    assert.is(row?.state, 'done');
    assert.is(row?.exit, 0);
    assert.is((await b.orc('tasks-tail', 'hello')).stdout, 'out\n');
    assert.is((await b.orc('tasks-tail', 'hello', '--err')).stdout, 'err\n');
  }],
  ['a paused queue: no worker takes anything, a label first used while paused included, until resumed', async (b) => {
    assert.is((await b.orc('tasks-pause')).code, 0);
    await b.orc('tasks-enqueue', '-i', 'fresh', '-l', 'new-label', '--', 'true');
    const w = b.worker('--label', 'new-label');
    await until('the worker to be ready', async () => /ready/.test(w.out()));
    // What must not happen can only be looked for a while: a worker that takes a job does so at once.
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      assert.is((await rowOf(b, 'fresh'))?.state, 'queue', w.out());
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.is((await b.orc('tasks-resume')).code, 0);
    await until('it to run once resumed', async () => (await rowOf(b, 'fresh'))?.state === 'done');
    w.kill('SIGTERM');
  }],
  ['a task\'s own task commands reach the same tasks (a nested enqueue)', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'parent', '--', `"${process.execPath}" "${CLI}" tasks-enqueue -i child -- echo child`);
    const d = await b.drain();
    assert.is(d.code, 0, d.stderr);
    assert.is((await rowOf(b, 'parent'))?.state, 'done', (await b.orc('tasks-tail', 'parent', '--err')).stdout);
    assert.is((await rowOf(b, 'child'))?.state, 'done');
  }],
  ['priority first, then first come first served', async (b) => {
    for (const [id, p] of [['low', '-5'], ['first', '0'], ['high', '7'], ['second', '0']]) await b.orc('tasks-enqueue', '-i', id, '-p', p, '--', 'true');
    assert.equal((await rows(b, 'queue')).map((r) => r.id), ['high', 'first', 'second', 'low']);
    const out = (await b.drain()).stdout;
    const started = [...out.matchAll(/start (\w+)/g)].map((m) => m[1]);
    assert.equal(started, ['high', 'first', 'second', 'low']);
  }],
  ['a failure keeps its exit code; --wait exits with it', async (b) => {
    const w = b.worker();
    const r = await b.orc('tasks-enqueue', '--wait', '-i', 'seven', '--', 'exit 7');
    assert.is(r.code, 7, r.stderr);
    const row = await rowOf(b, 'seven');
    assert.is(row?.state, 'failed');
    assert.is(row?.exit, 7);
    w.kill('SIGTERM');
  }],
  ['--after waits for its dependency; a failed dependency fails its dependents unrun', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'dep', '--', 'sleep 0.3');
    await b.orc('tasks-enqueue', '-i', 'next', '--after', 'dep', '--', 'true');
    await b.orc('tasks-enqueue', '-i', 'bad', '--', 'exit 1');
    await b.orc('tasks-enqueue', '-i', 'doomed', '--after', 'bad', '--', 'echo ran');
    assert.is((await b.orc('tasks-enqueue', '--after', 'nope', '--', 'true')).code, 3);
    const w = b.worker();
    await until('the chain to end', async () => (await rows(b, 'queue')).length === 0 && (await rows(b, 'running')).length === 0);
    w.kill('SIGTERM');
    assert.is((await rowOf(b, 'next'))?.state, 'done');
    const doomed = await rowOf(b, 'doomed');
    assert.is(doomed?.state, 'failed');
    assert.match(doomed?.reason ?? '', /dependency-failed: bad/);
    assert.is((await b.orc('tasks-tail', 'doomed')).stdout, '');
  }],
  ['a delayed task is listed delayed and not run before its time', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'later', '--in', '1h', '--', 'true');
    await b.orc('tasks-enqueue', '-i', 'now', '-p', '-1', '--', 'true');
    const w = b.worker();
    await until('the task queued after it to run', async () => (await rowOf(b, 'now'))?.state === 'done');
    w.kill('SIGTERM');
    const row = await rowOf(b, 'later');
    assert.is(row?.state, 'queue');
    assert.is(row?.status, 'delayed');
  }],
  ['cancel: queued at once; running through its worker; finished is refused (exit 4); unknown (exit 3)', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'queued', '--in', '1h', '--', 'true');
    assert.match((await b.orc('tasks-cancel', 'queued')).stdout, /cancelled/);
    const q = await rowOf(b, 'queued');
    assert.is(q?.status, 'cancelled');
    await b.orc('tasks-enqueue', '-i', 'long', '--', 'sleep 60');
    const w = b.worker();
    await until('long to run', async () => (await rowOf(b, 'long'))?.state === 'running');
    const c = await b.orc('tasks-cancel', 'long');
    assert.is(c.code, 0, c.stderr);
    assert.match(c.stdout, /cancelled \(was running\)/);
    assert.is((await rowOf(b, 'long'))?.status, 'cancelled');
    assert.is((await b.orc('tasks-cancel', 'long')).code, 4);
    assert.is((await b.orc('tasks-cancel', 'nope')).code, 3);
    w.kill('SIGTERM');
  }],
  ['hold keeps a queued task from every worker until released; --hold queues it held; a held task can be cancelled', async (b) => {
    assert.is((await b.orc('tasks-enqueue', '-i', 'h1', '--', 'echo one')).code, 0);
    assert.is((await b.orc('tasks-hold', 'h1')).stdout, 'h1 held\n');
    assert.is((await b.orc('tasks-hold', 'h1')).stdout, 'h1 was held already\n');
    for (const id of ['h2', 'h3']) assert.is((await b.orc('tasks-enqueue', '-i', id, '--hold', '--', `echo ${id}`)).code, 0);
    assert.is((await b.orc('tasks-release', 'h2')).stdout, 'h2 released\n');
    assert.is((await b.orc('tasks-release', 'h2')).stdout, 'h2 was queued already\n');
    assert.is((await b.drain()).code, 0);
    assert.equal((await rows(b, 'held')).map((r) => [r.id, r.state]).sort(), [['h1', 'held'], ['h3', 'held']], 'the held ones were not run');
    assert.is((await rowOf(b, 'h2'))?.state, 'done');
    assert.is(JSON.parse((await b.orc('tasks-health', '--json')).stdout).counts.held, 2);
    assert.is((await b.orc('tasks-release', 'h1')).stdout, 'h1 released\n');
    assert.is((await b.orc('tasks-cancel', 'h3')).code, 0);
    assert.is((await b.drain()).code, 0);
    assert.is((await rowOf(b, 'h1'))?.state, 'done');
    assert.is((await b.orc('tasks-tail', 'h1')).stdout, 'one\n');
    assert.is((await rowOf(b, 'h3'))?.status, 'cancelled');
    assert.equal(await rows(b, 'held'), []);
    const r = await b.orc('tasks-hold', 'h1');
    assert.is(r.code, 4, 'a finished task cannot be held');
    assert.match(r.stderr, /finished \(done\)/);
    assert.is((await b.orc('tasks-hold', 'nope')).code, 3);
  }],
  ['--unique: of 8 concurrent enqueues exactly one wins, the others exit 4 printing its ID; free again once it finished; a retry takes it again', async (b) => {
    const all = await Promise.all(Array.from({ length: 8 }, () => b.orc('tasks-enqueue', '--unique', 'nightly', '--', 'exit 3')));
    const won = all.filter((r) => r.code === 0);
    assert.is(won.length, 1, all.map((r) => `${r.code} ${r.stderr}`).join('\n'));
    const id = won[0].stdout.trim();
    for (const r of all.filter((x) => x.code !== 0)) {
      assert.is(r.code, 4, r.stderr);
      assert.is(r.stdout, `${id}\n`);
      assert.match(r.stderr, new RegExp(`unique key "nightly" is held by task ${id}`));
    }
    assert.is((await b.orc('tasks-hold', id)).code, 0);
    assert.is((await b.orc('tasks-enqueue', '--unique', 'nightly', '--', 'true')).code, 4, 'held, it still holds the key');
    assert.is((await b.orc('tasks-release', id)).code, 0);
    assert.is((await b.drain()).code, 0);
    assert.is((await rowOf(b, id))?.state, 'failed');
    const next = await b.orc('tasks-enqueue', '--unique', 'nightly', '--', 'true');
    assert.is(next.code, 0, 'free once its task finished');
    const r = await b.orc('tasks-retry', id);
    assert.is(r.code, 4, 'the retry of the first is refused while the second holds the key');
    assert.match(r.stderr, /unique key "nightly" is held by task/);
  }],
  ['retry sends a failed task back with a fresh attempt; retries with backoff run it again', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'once', '--', 'exit 3');
    await b.orc('tasks-enqueue', '-i', 'twice', '--retries', '1', '--', 'echo "attempt $TASK_ATTEMPT"; exit 1');
    await b.orc('tasks-enqueue', '-i', 'flaky', '--retries', '2', '--backoff', '0.1s', '--', `test -e "$TMPDIR/flaky.$TASK_ID" || { touch "$TMPDIR/flaky.$TASK_ID"; exit 1; }`);
    const w = b.worker();
    await until('both to end', async () => (await rowOf(b, 'once'))?.state === 'failed' && (await rowOf(b, 'flaky'))?.state === 'done');
    assert.is((await rowOf(b, 'flaky'))?.attempt, 2);
    await until('twice to fail twice', async () => (await rowOf(b, 'twice'))?.state === 'failed');
    assert.is((await b.orc('tasks-tail', 'twice')).stdout, 'attempt 1\nattempt 2\n', 'each run\'s output once');
    assert.is((await b.orc('tasks-retry', 'once')).code, 0);
    await until('the retry to end', async () => (await rowOf(b, 'once'))?.attempt === 2 && (await rowOf(b, 'once'))?.state === 'failed');
    // A done task is retried too (README: failed or done → back to the queue); a queued one is refused.
    assert.is((await b.orc('tasks-retry', 'flaky')).code, 0);
    await until('the done task to run again', async () => (await rowOf(b, 'flaky'))?.attempt === 3 && (await rowOf(b, 'flaky'))?.state === 'done');
    await b.orc('tasks-enqueue', '-i', 'later', '--in', '1h', '--', 'true');
    assert.is((await b.orc('tasks-retry', 'later')).code, 4);
    w.kill('SIGTERM');
  }],
  ['clean removes finished tasks and their logs; health counts what is left', async (b) => {
    for (const id of ['a', 'b']) await b.orc('tasks-enqueue', '-i', id, '--', 'echo x');
    await b.drain();
    await b.orc('tasks-enqueue', '-i', 'q', '--in', '1h', '--', 'true');
    const c = await b.orc('tasks-clean', '--keep', '0');
    assert.match(c.stdout, /removed 2 finished/);
    assert.equal((await rows(b)).map((r) => r.id), ['q']);
    assert.is((await b.orc('tasks-tail', 'a')).code, 3);
    const h = await b.orc('tasks-health', '--json');
    const health = JSON.parse(h.stdout) as { counts: Record<string, number> };
    assert.equal(health.counts, { queue: 1, held: 0, running: 0, done: 0, failed: 0 });
  }],
  ['an explicit ID is unique; bad input is one line with its exit code', async (b) => {
    assert.is((await b.orc('tasks-enqueue', '-i', 'x', '--', 'true')).code, 0);
    const again = await b.orc('tasks-enqueue', '-i', 'x', '--', 'true');
    assert.is(again.code, 4);
    assert.match(again.stderr, /already exists/);
    const bad = await b.orc('tasks-enqueue', '-p', '5000', '--', 'true');
    assert.is(bad.code, 2);
    assert.is(bad.stderr.trim().split('\n').length, 1);
  }],
  ['a worker with --label takes only that label\'s tasks', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'gpu-job', '-l', 'gpu: big', '--', 'true');
    await b.orc('tasks-enqueue', '-i', 'plain', '--in', '1h', '--', 'true');
    const r = await b.drain('--label', 'gpu: big');
    assert.is(r.code, 0, r.stderr);
    assert.is((await rowOf(b, 'gpu-job'))?.state, 'done');
    assert.is((await rowOf(b, 'plain'))?.state, 'queue');
  }],
  ['a recurring task goes back to the queue after each run, due one period later', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'tick', '--every', '1h', '--', 'echo tick');
    await b.orc('tasks-enqueue', '-i', 'marker', '-p', '-1', '--', 'true');
    const w = b.worker();
    await until('the task after it to run', async () => (await rowOf(b, 'marker'))?.state === 'done');
    w.kill('SIGTERM');
    const row = await rowOf(b, 'tick');
    assert.is(row?.state, 'queue');
    assert.is(row?.status, 'delayed');
    assert.is((await b.orc('tasks-tail', 'tick')).stdout, 'tick\n');
  }],
  ['tasks-tail -f follows a running task to its end and exits with its code', async (b) => {
    await b.orc('tasks-enqueue', '-i', 'talk', '--', 'echo one; sleep 0.5; echo two; exit 5');
    const w = b.worker();
    const r = await b.orc('tasks-tail', '-f', 'talk');
    w.kill('SIGTERM');
    assert.is(r.code, 5, r.stderr);
    assert.match(r.stdout, /one\ntwo\n/);
  }],
  ['bulk enqueue from stdin queues every line, in order', async (b) => {
    const r = await cli(['tasks-enqueue', '--stdin'], { env: b.env, input: 'echo 1\necho 2\n# skipped\necho 3\n' });
    assert.is(r.code, 0, r.stderr);
    const ids = r.stdout.trim().split('\n');
    assert.is(ids.length, 3);
    assert.equal((await rows(b, 'queue')).map((x) => x.id), ids);
  }],
];

const T = suite<{ dir: string; redis?: RedisServer; stop: Array<() => void> }>('backends');
T.before(async (ctx) => {
  ctx.dir = tempDir('orc-backends-');
  if (!REDIS_MISSING) ctx.redis = await startRedis(ctx.dir);
});
T.after((ctx) => {
  ctx.redis?.stop();
  cleanup(ctx.dir);
});
T.before.each((ctx) => void (ctx.stop = []));
T.after.each((ctx) => ctx.stop.forEach((f) => f()));

let n = 0;
function backend(ctx: { dir: string; redis?: RedisServer; stop: Array<() => void> }, kind: 'tree' | 'redis'): Backend {
  const home = path.join(ctx.dir, `case-${++n}`);
  const root = path.join(home, 'tree');
  ensureTree(tree(root));
  const env = kind === 'tree' ? testEnv(root, { TMPDIR: home }) : testEnv(undefined, { TASK_BACKEND: ctx.redis!.url(`case-${n}`), TMPDIR: home });
  // Redis workers are given --backend, not TASK_BACKEND: what their tasks see must not depend on it.
  const workerArgs = kind === 'redis' ? ['--backend', env.TASK_BACKEND!] : [];
  const workerEnv = kind === 'redis' ? { ...env, TASK_BACKEND: '' } : env;
  return {
    name: kind,
    env,
    orc: (...args) => cli(args, { env, cwd: home }),
    drain: (...args) => cli(['worker', '--until-empty', ...workerArgs, ...args], { env: workerEnv, cwd: home }),
    worker: (...args) => {
      const w = start(['worker', ...workerArgs, ...args], { env: workerEnv, cwd: home });
      ctx.stop.push(() => w.kill('SIGKILL'));
      return w;
    },
  };
}

for (const [name, fn] of [...CASES, ...GROUP_CASES]) {
  T(`tree: ${name}`, async (ctx) => fn(backend(ctx, 'tree')));
  if (REDIS_MISSING) T.skip(`redis: ${name} (${REDIS_MISSING})`, async () => {});
  else T(`redis: ${name}`, async (ctx) => fn(backend(ctx, 'redis')));
}

T.run();
