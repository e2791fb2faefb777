/**
 * persist/lock.ts: one holder at a time, a dead holder's lock broken once stale, a live one waited
 * for and then refused with code 'timeout', and nothing left behind whatever `fn` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withLock } from '../../src/persist/lock.ts';
import { OrcError } from '../../src/errors.ts';
import { cleanup, tempDir } from '../helpers.ts';

const L = suite<{ dir: string; lock: string }>('withLock');
L.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.lock = path.join(ctx.dir, 'x.lock');
});
L.after.each((ctx) => cleanup(ctx.dir));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

L('sections never overlap, and each returns its own value', async (ctx) => {
  let inside = 0;
  let most = 0;
  const section = async (i: number) => {
    inside++;
    most = Math.max(most, inside);
    await sleep(5);
    inside--;
    return i;
  };
  const got = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => withLock(ctx.lock, () => section(i))));
  assert.equal(got, [0, 1, 2, 3, 4, 5]);
  assert.is(most, 1);
  assert.not.ok(fs.existsSync(ctx.lock), 'released');
});

L('a throwing section releases the lock and rejects with its own error', async (ctx) => {
  const err = await withLock(ctx.lock, () => {
    throw new Error('boom');
  }).catch((e: Error) => e);
  assert.is((err as Error).message, 'boom');
  assert.not.ok(fs.existsSync(ctx.lock));
  assert.is(await withLock(ctx.lock, () => 'again'), 'again');
});

L('a lock older than staleMs (its holder died) is broken', async (ctx) => {
  fs.mkdirSync(ctx.lock);
  const old = new Date(Date.now() - 5000);
  fs.utimesSync(ctx.lock, old, old);
  const t0 = Date.now();
  assert.is(await withLock(ctx.lock, () => 'mine', { staleMs: 2000, waitMs: 1000 }), 'mine');
  assert.ok(Date.now() - t0 < 1000);
});

L('a fresh lock is waited for, then refused with code timeout; the section never runs', async (ctx) => {
  fs.mkdirSync(ctx.lock);
  let ran = false;
  const t0 = Date.now();
  const err = await withLock(ctx.lock, () => (ran = true), { waitMs: 200 }).catch((e: unknown) => e);
  assert.instance(err, OrcError);
  assert.is((err as OrcError).code, 'timeout');
  assert.ok(Date.now() - t0 >= 150, `waited ${Date.now() - t0} ms`);
  assert.not.ok(ran);
  assert.ok(fs.existsSync(ctx.lock), "another holder's lock is left alone");
});

L('a waiter gets the lock as soon as its holder lets go', async (ctx) => {
  const order: string[] = [];
  const first = withLock(ctx.lock, async () => {
    order.push('first in');
    await sleep(100);
    order.push('first out');
  });
  await sleep(10);
  await withLock(ctx.lock, () => order.push('second'), { waitMs: 2000 });
  await first;
  assert.equal(order, ['first in', 'first out', 'second']);
});

L.run();
