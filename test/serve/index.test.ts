/**
 * The server's index and event log (src/serve/task-index.ts, events.ts) on a real temp tree:
 * without any watch a rescan finds every change (watching is only a hint); a move is one change;
 * a watched tree reports an enqueue by itself; paging cursors and the event log's resumption.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, tempDir, waitFor } from '../helpers.ts';
import { ensureTree, tree, type Tree } from '../../src/queue/tree.ts';
import { enqueue } from '../../src/queue/enqueue.ts';
import { TaskIndex, type TaskChange } from '../../src/serve/task-index.ts';
import { cursorOf } from '../../src/serve/task-entry.ts';
import { EventLog } from '../../src/serve/events.ts';

const T = suite<{ dir: string; t: Tree; ix?: TaskIndex }>('serve: index');
T.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.t = tree(path.join(ctx.dir, 'tasks'));
  ensureTree(ctx.t);
});
T.after.each((ctx) => {
  ctx.ix?.close();
  cleanup(ctx.dir);
});

const move = (t: Tree, from: 'queue' | 'running' | 'done' | 'failed', to: typeof from) => {
  const [name] = fs.readdirSync(t.dir(from));
  fs.renameSync(path.join(t.dir(from), name), path.join(t.dir(to), name));
};

T('with no watch at all, a rescan finds new, moved and removed tasks; a move is one change', async (ctx) => {
  const a = await enqueue(ctx.t, { cmd: 'echo a' }, { fsync: false });
  const ix = (ctx.ix = new TaskIndex(ctx.t, { watch: false, rescanMs: 1e9 }));
  await ix.start();
  assert.is(ix.count('queue'), 1);
  const seen: TaskChange[] = [];
  ix.onChange((c) => seen.push(...c));
  const b = await enqueue(ctx.t, { cmd: 'echo b', label: 'x' }, { fsync: false });
  move(ctx.t, 'queue', 'done'); // a (the first name in order)
  assert.is(ix.count('queue'), 1, 'nothing seen before the rescan');
  ix.rescan();
  assert.is(ix.count('queue'), 1);
  assert.is(ix.count('done'), 1);
  assert.is(ix.get(a)?.state, 'done');
  assert.is(ix.get(b)?.label, 'x');
  const forA = seen.filter((c) => c.id === a);
  assert.is(forA.length, 1, 'one change for the move');
  assert.equal(forA[0].from, { state: 'queue', status: 'ready' });
  assert.is(forA[0].state, 'done');
  fs.rmSync(path.join(ctx.t.dir('done'), fs.readdirSync(ctx.t.dir('done'))[0]));
  ix.rescan();
  assert.is(ix.get(a), undefined);
  assert.is(ix.count('done'), 0);
  assert.is(seen.at(-1)?.state, undefined, 'left the tree');
  ix.rescan();
  assert.is(seen.filter((c) => c.id === a).length, 2, 'an unchanged tree reports nothing');
});

T('watched: an enqueue is reported by itself, and a claim (queue → running) as one change', async (ctx) => {
  const ix = (ctx.ix = new TaskIndex(ctx.t, { rescanMs: 1e9 }));
  await ix.start();
  const seen: TaskChange[] = [];
  ix.onChange((c) => seen.push(...c));
  const id = await enqueue(ctx.t, { cmd: 'true' }, { fsync: false });
  await waitFor('the enqueue', () => seen.some((c) => c.id === id && c.state === 'queue'), 15_000);
  move(ctx.t, 'queue', 'running');
  await waitFor('the claim', () => seen.some((c) => c.id === id && c.state === 'running'), 15_000);
  assert.not.ok(seen.some((c) => c.id === id && c.state === undefined), 'never "gone" in between');
});

T('a delayed task that falls due is reported as ready, with no change to its file', async (ctx) => {
  const ix = (ctx.ix = new TaskIndex(ctx.t, { rescanMs: 1e9 }));
  await ix.start();
  const seen: TaskChange[] = [];
  ix.onChange((c) => seen.push(...c));
  const id = await enqueue(ctx.t, { cmd: 'true', at: Date.now() + 300 }, { fsync: false });
  await waitFor('queued, delayed', () => seen.some((c) => c.id === id && c.status === 'delayed'), 15_000);
  const ready = await waitFor('ready when due', () => seen.find((c) => c.id === id && c.status === 'ready'), 15_000);
  assert.equal(ready?.from, { state: 'queue', status: 'delayed' });
});

T('newest first with cursors: every task once, in order, across pages', async (ctx) => {
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push(await enqueue(ctx.t, { cmd: `echo ${i}`, priority: i % 3 }, { fsync: false }));
  const ix = (ctx.ix = new TaskIndex(ctx.t, { watch: false, rescanMs: 1e9 }));
  await ix.start();
  const got: string[] = [];
  let after: { t: number; id: string } | undefined;
  for (;;) {
    const page = [];
    for (const e of ix.newest(after)) {
      page.push(e);
      if (page.length === 7) break;
    }
    if (!page.length) break;
    got.push(...page.map((e) => e.id));
    const [t, id] = cursorOf(page.at(-1)!).split(/-(.*)/s);
    after = { t: Number(t), id };
  }
  assert.equal(got, [...ids].reverse());
});

T('the event log: resumes after an ID of its own, resets for another run\'s or a too old one', () => {
  const log = new EventLog(3);
  const first = log.lastId();
  const ids = [1, 2, 3, 4, 5].map((n) => log.publish('task', { n }).id);
  const since = log.since(ids[2]);
  assert.equal(since.kind === 'events' && since.events.map((e) => JSON.parse(e.json).n), [4, 5]);
  assert.equal(log.since(ids[4]), { kind: 'events', events: [] });
  assert.is(log.since('zzz-3').kind, 'reset', 'another run of the server');
  assert.is(log.since('garbage').kind, 'reset');
  for (let i = 0; i < 10; i++) log.publish('task', { i });
  assert.is(log.since(first).kind, 'reset', 'older than what is kept');
  let heard = 0;
  const off = log.subscribe(() => heard++);
  log.publish('worker', {});
  off();
  log.publish('worker', {});
  assert.is(heard, 1);
});

T.run();
