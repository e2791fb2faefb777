/**
 * groups.lua step by step against a real redis-server: a slot per activation, dead holders let
 * go, parking in dispatch order, a pause, a release that only drops its own activation's entry,
 * and the sweep. Lock keys are set by hand here as BullMQ sets them (the token as the value).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { cleanup, tempDir } from '../helpers.ts';
import { REDIS_MISSING, startRedis, type RedisServer } from './server.ts';
import { step } from '../../src/redis/groups.ts';
import type { Conn } from '../../src/redis/queue.ts';

interface Ctx { dir: string; redis: RedisServer; client: Redis; k: Conn; n: number }
const T = suite<Ctx>('redis: groups.lua');
T.before(async (ctx) => {
  ctx.dir = tempDir('orc-groups-lua-');
  ctx.redis = await startRedis(ctx.dir);
  ctx.client = new Redis(ctx.redis.port, '127.0.0.1');
  ctx.n = 0;
});
T.after((ctx) => {
  ctx.client.disconnect();
  ctx.redis.stop();
  cleanup(ctx.dir);
});
T.before.each((ctx) => {
  const prefix = `orc:t${++ctx.n}:orc:`;
  ctx.k = { client: ctx.client, key: (name: string) => prefix + name } as unknown as Conn;
});

/** An activation of task `id`: its lock key holds `token` (alive) until dropped. */
const lockKey = (id: string) => `orc:q:=${id}:lock`;
const holder = (id: string, token: string) => `${token}\n${lockKey(id)}`;
const activate = (ctx: Ctx, id: string, token: string) => ctx.client.set(lockKey(id), token);
const acquire = (ctx: Ctx, g: string, id: string, token: string, priority = 1001, enqueued = 1) =>
  step(ctx.k, 'acquire', g, id, holder(id, token), priority, `${String(enqueued).padStart(15, '0')}:${id}`);
const member = (id: string, enqueued = 1) => `${String(enqueued).padStart(15, '0')}:${id}`;

const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => (REDIS_MISSING ? T.skip(`${name} (${REDIS_MISSING})`, async () => {}) : T(name, fn));

test('acquire: a group never set gets limit 1; full parks in dispatch order (priority, then enqueue time)', async (ctx) => {
  await activate(ctx, 'a', 'ta');
  assert.is(await acquire(ctx, 'g', 'a', 'ta'), 'ok');
  assert.is(await ctx.client.hget(ctx.k.key('groups'), 'g'), '1');
  for (const [id, p, at] of [['late', 1001, 9], ['early', 1001, 2], ['urgent', 990, 5]] as const) {
    await activate(ctx, id, `t${id}`);
    assert.is(await acquire(ctx, 'g', id, `t${id}`, p, at), 'full');
  }
  assert.equal(await ctx.client.zrange(ctx.k.key('group-waiting:g'), 0, -1), [member('urgent', 5), member('early', 2), member('late', 9)]);
  assert.equal(await ctx.client.smembers(ctx.k.key('group-waiters')), ['g']);
  assert.equal(await step(ctx.k, 'wake', 'g', 100), [], 'nothing to wake while the slot is held');
});

test('a holder whose lock no longer holds its token is not running: its slot is free (a stalled job run again takes one afresh)', async (ctx) => {
  await ctx.client.hset(ctx.k.key('groups'), 'g', 1);
  await activate(ctx, 'a', 'first');
  assert.is(await acquire(ctx, 'g', 'a', 'first'), 'ok');
  await activate(ctx, 'a', 'second'); // the job stalled and another worker took it
  assert.is(await acquire(ctx, 'g', 'a', 'second'), 'ok');
  await activate(ctx, 'b', 'tb');
  assert.is(await acquire(ctx, 'g', 'b', 'tb'), 'full', 'the second activation holds the slot');
  await ctx.client.del(lockKey('a')); // settled: its lock is gone
  assert.equal(await step(ctx.k, 'wake', 'g', 100), [member('b')]);
  assert.is(await acquire(ctx, 'g', 'b', 'tb'), 'ok');
  assert.equal(await ctx.client.zrange(ctx.k.key('group-waiting:g'), 0, -1), [], 'taken: no longer parked');
});

test('release drops only its own activation\'s entry, and returns as many parked tasks as slots came free', async (ctx) => {
  await ctx.client.hset(ctx.k.key('groups'), 'g', 2);
  for (const id of ['a', 'b', 'c', 'd', 'e']) await activate(ctx, id, `t${id}`);
  assert.is(await acquire(ctx, 'g', 'a', 'ta'), 'ok');
  assert.is(await acquire(ctx, 'g', 'b', 'tb'), 'ok');
  for (const [i, id] of ['c', 'd', 'e'].entries()) assert.is(await acquire(ctx, 'g', id, `t${id}`, 1001, i + 1), 'full');
  assert.equal(await step(ctx.k, 'release', 'g', 'a', holder('a', 'an older one'), 100), [], 'not its activation: nothing dropped');
  assert.is(await ctx.client.hlen(ctx.k.key('group-slots:g')), 2);
  assert.equal(await step(ctx.k, 'release', 'g', 'a', holder('a', 'ta'), 100), [member('c', 1)]);
  await ctx.client.hset(ctx.k.key('groups'), 'g', 4); // a raise
  assert.equal(await step(ctx.k, 'wake', 'g', 100), [member('c', 1), member('d', 2), member('e', 3)]);
  assert.equal(await step(ctx.k, 'wake', 'g', 2), [member('c', 1), member('d', 2)], 'at most N');
});

test('a paused group parks every task and wakes none; the sweep finds groups with free slots and forgets empty ones', async (ctx) => {
  await ctx.client.hset(ctx.k.key('groups'), 'g', 3);
  await ctx.client.hset(ctx.k.key('groups'), 'h', 1);
  await ctx.client.hset(ctx.k.key('paused-groups'), 'g', '2026-01-01T00:00:00.000Z');
  await activate(ctx, 'a', 'ta');
  assert.is(await acquire(ctx, 'g', 'a', 'ta'), 'paused');
  assert.equal(await step(ctx.k, 'wake', 'g', 100), []);
  assert.equal(await step(ctx.k, 'sweep', 100), []);
  await ctx.client.hdel(ctx.k.key('paused-groups'), 'g');
  assert.equal(await step(ctx.k, 'sweep', 100), [['g', member('a')]]);
  await ctx.client.zrem(ctx.k.key('group-waiting:g'), member('a'));
  assert.equal(await step(ctx.k, 'sweep', 100), []);
  assert.equal(await ctx.client.smembers(ctx.k.key('group-waiters')), [], 'a group with nobody parked is forgotten');
});

T.run();
