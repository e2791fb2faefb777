/**
 * The Redis worker store on its own, with a holder that fails: what a worker leaves behind when
 * taking a job goes wrong halfway (a full disk, a launcher gone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, tempDir } from '../helpers.ts';
import { parseBackend } from '../../src/redis/connect.ts';
import { redisStore } from '../../src/redis/store.ts';
import { redisWorkerStore } from '../../src/redis/worker-store.ts';
import { hostName } from '../../src/redis/workers.ts';
import { REDIS_MISSING, startRedis, type RedisServer } from './server.ts';

const T = suite<{ dir: string; redis?: RedisServer }>('redis worker store');
T.before(async (ctx) => {
  ctx.dir = tempDir('orc-rws-');
  if (!REDIS_MISSING) ctx.redis = await startRedis(ctx.dir);
});
T.after((ctx) => {
  ctx.redis?.stop();
  cleanup(ctx.dir);
});

const test = (name: string, fn: (ctx: { dir: string; redis?: RedisServer }) => Promise<void>) =>
  REDIS_MISSING ? T.skip(`${name} (${REDIS_MISSING})`, async () => {}) : T(name, fn);

test('the job of a delayed task is due exactly when the task is, however late the add reaches Redis', async (ctx) => {
  const url = ctx.redis!.url('due');
  const store = redisStore(url);
  try {
    // `now` is the enqueue's time; the add reaches Redis later (here: after the first connect).
    const now = Date.now() - 5000;
    const due = now + 60_000;
    await store.enqueue({ cmd: 'true', id: 'later', at: due }, { now });
    const ids = await store.enqueueMany({ at: due }, ['true', 'true'], now);
    assert.is(ids.ids.length, 2);
    // BullMQ's delayed set scores a job by its due time in ms, times 0x1000.
    const r = spawnSync('redis-cli', ['-p', String(ctx.redis!.port), 'zrange', 'orc:due:delayed', '0', '-1', 'WITHSCORES'], { encoding: 'utf8' });
    const scores = r.stdout.trim().split('\n').filter((_, i) => i % 2 === 1).map((x) => Math.floor(Number(x) / 0x1000));
    assert.equal(scores, [due, due, due], r.stdout);
  } finally {
    await store.close();
  }
});

test('a job whose local hold fails goes back to the queue when it is settled, with nothing recorded', async (ctx) => {
  const url = ctx.redis!.url('take-fails');
  const store = redisStore(url);
  const ws = await redisWorkerStore({
    backend: parseBackend(url),
    holder: { claim: async () => { throw new Error('the launcher is gone'); }, release: () => {} },
    lockMs: 3000,
    killGraceMs: 100,
    spool: `${ctx.dir}/spool`,
  });
  try {
    await store.enqueue({ cmd: 'true', id: 'victim' });
    const next = await ws.next(Date.now(), false);
    assert.equal(next, { kind: 'task', name: 'victim' });
    // The hold is asked for and not waited on (the run request follows it): the take succeeds...
    const taken = await ws.take('victim', 'tok', Date.now());
    assert.is(taken.kind, 'claimed');
    if (taken.kind !== 'claimed') return;
    // ...and the settle finds the hold failed: the job goes back, not left active to stall.
    const settled = await ws.settle(taken.claim, { to: 'done', append: [['STATUS', 'done'], ['EXIT', '0']] });
    assert.is(settled.kind, 'lost');
    assert.match(settled.kind === 'lost' ? settled.why : '', /could not hold it locally \(the launcher is gone\)/);
    const back = await store.get('victim');
    assert.is(back?.state, 'queue');
    assert.is(back?.task?.owner?.result, undefined, 'no result recorded');
  } finally {
    ws.close();
    await store.close();
  }
});

test('a task --after a held task waits for it (a held task is out of BullMQ, not missing); released, it counts again', async (ctx) => {
  const url = ctx.redis!.url('held-dep');
  const store = redisStore(url);
  let claims = 0;
  const ws = await redisWorkerStore({
    backend: parseBackend(url),
    holder: { claim: async () => (claims++, { kind: 'gone' }) as never, release: () => {} },
    lockMs: 3000,
    killGraceMs: 100,
    spool: `${ctx.dir}/spool-held`,
  });
  try {
    await store.enqueue({ cmd: 'true', id: 'first', hold: true });
    await store.enqueue({ cmd: 'true', id: 'second', after: ['first'] });
    assert.equal(await ws.next(Date.now(), false), { kind: 'task', name: 'second' });
    assert.equal(await ws.take('second', 'tok', Date.now()), { kind: 'skipped' }, 'blocked, not failed');
    assert.is(claims, 0);
    const second = await store.get('second');
    assert.is(second?.state, 'queue');
    assert.is(second?.task?.status, undefined, 'not failed as dependency-missing');
    assert.is(await store.release('first'), 'released');
    assert.is((await store.get('first'))?.state, 'queue');
  } finally {
    ws.close();
    await store.close();
  }
});

test('a worker that starts removes the spools of dead workers of its queue on its host, and its own when it closes', async (ctx) => {
  const url = ctx.redis!.url('spools');
  const tmp = `${ctx.dir}/tmp`;
  const parent = path.join(tmp, `tmux-orc-${process.getuid?.() ?? 'u'}`, 'spool');
  const dead = spawnSync('true').pid!; // a pid no process has now
  const host = hostName();
  const names = [`spools.${host}.${dead}`, `spools.${host}.1`, `other.${host}.${dead}`];
  for (const n of names) fs.mkdirSync(path.join(parent, n, 'running'), { recursive: true });
  const was = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  let ws: Awaited<ReturnType<typeof redisWorkerStore>> | undefined;
  try {
    ws = await redisWorkerStore({ backend: parseBackend(url), holder: { claim: async () => ({ kind: 'gone' }) as never, release: () => {} }, lockMs: 3000, killGraceMs: 100 });
  } finally {
    // (Assigning undefined would set the string "undefined": every later temp dir of the run would fail.)
    if (was === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = was;
  }
  const mine = `spools.${host}.${process.pid}`;
  assert.equal(fs.readdirSync(parent).sort(), [`other.${host}.${dead}`, `spools.${host}.1`, mine].sort(), 'the dead one of this queue went; a live pid and another queue stay');
  ws.close();
  assert.not.ok(fs.existsSync(path.join(parent, mine)));
});

T.run();
