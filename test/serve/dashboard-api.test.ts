/**
 * The API the dashboard added to `tmux-orc serve`: /api/stats (counts, finished per minute,
 * queue latency), ?status= on /api/tasks, POST /api/tasks/retry-failed, POST
 * /api/workers/:host/:id/stop, /api/whoami. Against the real CLI's server and real workers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, exited, killAll, names, needingPerl, start, tempDir, testEnv, waitFor } from '../helpers.ts';
import { request, serve } from './fixture.ts';

const T = suite<{ dir: string; root: string; env: NodeJS.ProcessEnv }>('serve: dashboard API');
T.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tasks');
  ctx.env = testEnv(ctx.root);
  assert.is((await cli(['tasks-init'], { env: ctx.env })).code, 0);
});
T.after.each((ctx) => {
  killAll();
  cleanup(ctx.dir);
});
const W = needingPerl(T, 'serve: dashboard API');

const enqueue = async (env: NodeJS.ProcessEnv, ...args: string[]) => assert.is((await cli(['tasks-enqueue', ...args], { env })).code, 0);
const settled = (root: string, n: number) => waitFor(`${n} tasks settled`, () => names(root, 'done').length + names(root, 'failed').length === n, 20_000);

W('stats: counts, tasks finished this minute, latency of the oldest runnable task (not of a delayed one); ?status= filters', async ({ root, env }) => {
  await enqueue(env, '--id', 'ok', '--', 'true');
  await enqueue(env, '--id', 'bad', '--', 'exit 4');
  const w = start(['worker', '--id', '0', '--until-empty'], { env });
  await exited(w, 30_000);
  await settled(root, 2);
  await enqueue(env, '--id', 'later', '--in', '1h', '--', 'true');
  const s = await serve(root, [], env);
  let st = (await request(s, '/api/stats')).json;
  assert.equal(st.counts, { queue: 1, held: 0, running: 0, done: 1, failed: 1 });
  assert.is(st.finishedPerMinute.length, 60);
  // Both finished within the last minute or two: the last two slots hold them.
  assert.is(st.finishedPerMinute.slice(-2).reduce((a: number, b: number) => a + b, 0), 2);
  assert.is(st.failedPerMinute.slice(-2).reduce((a: number, b: number) => a + b, 0), 1);
  assert.is(st.latencyMs, undefined, 'a delayed task is not runnable');
  assert.is(st.readOnly, false);
  await enqueue(env, '--id', 'ready-one', '--', 'true');
  st = await waitFor('the ready task in the stats', async () => {
    const j = (await request(s, '/api/stats')).json;
    return j.counts.queue === 2 && j;
  }, 10_000);
  assert.type(st.latencyMs, 'number');
  assert.ok(st.latencyMs >= 0 && st.latencyMs < 60_000, String(st.latencyMs));
  const delayed = (await request(s, '/api/tasks?status=delayed')).json;
  assert.equal(delayed.tasks.map((t: { id: string }) => t.id), ['later']);
  const two = (await request(s, '/api/tasks?status=done,failed&order=dispatch')).json;
  assert.equal(two.tasks.map((t: { id: string }) => t.id), ['ok', 'bad']);
});

W('retry-failed queues every failed task again (refused read-only); stop drains a worker of this host, refuses others', async ({ root, env }) => {
  await enqueue(env, '--id', 'f1', '--', 'exit 1');
  await enqueue(env, '--id', 'f2', '--', 'exit 2');
  const w = start(['worker', '--id', '0', '--until-empty'], { env });
  await exited(w, 30_000);
  await settled(root, 2);
  const ro = await serve(root, ['--read-only'], env);
  const refused = await request(ro, '/api/tasks/retry-failed', { body: {} });
  assert.is(refused.status, 403);
  assert.is(names(root, 'failed').length, 2, 'nothing moved');
  assert.equal((await request(ro, '/api/whoami')).json, { authenticated: true, readOnly: true });
  ro.proc.kill('SIGKILL');

  const s = await serve(root, [], env);
  const r = await request(s, '/api/tasks/retry-failed', { body: {} });
  assert.is(r.status, 200, r.text);
  assert.equal(r.json.retried.sort(), ['f1', 'f2']);
  assert.is(names(root, 'failed').length, 0);
  assert.is(names(root, 'queue').length, 2);

  const idle = start(['worker', '--id', '5'], { env });
  await waitFor('worker 5 registered', async () => (await request(s, '/api/workers')).json.workers.some((x: { id: string; alive: boolean }) => x.id === '5' && x.alive), 20_000);
  const host = os.hostname();
  const stop = await request(s, `/api/workers/${host}/5/stop`, { body: {} });
  assert.is(stop.status, 200, stop.text);
  assert.is(stop.json.result, 'draining');
  assert.equal(await exited(idle, 20_000), { code: 0, signal: null });
  assert.is((await request(s, `/api/workers/${host}/5/stop`, { body: {} })).status, 404, 'gone from the registry');
  fs.writeFileSync(path.join(root, 'workers', 'elsewhere.3'), 'ID=3\nHOST=elsewhere\nPID=1\nPID_START=1\nSTARTED=2026-12-04T00:00:00.000Z\n', { mode: 0o600 });
  const other = await request(s, '/api/workers/elsewhere/3/stop', { body: {} });
  assert.is(other.status, 409, other.text);
  assert.match(other.json.error.message, /runs on elsewhere/);
  assert.is((await request(s, `/api/workers/${host}/5/stop`, { body: { now: 'yes' } })).status, 400);
});

T('whoami: whether the token was given, without needing it', async ({ root, env }) => {
  const s = await serve(root, [], env);
  assert.equal((await request(s, '/api/whoami', { token: null })).json, { authenticated: false, readOnly: false });
  assert.equal((await request(s, '/api/whoami', { token: 'wrong-token-wrong-token' })).json, { authenticated: false, readOnly: false });
  assert.equal((await request(s, '/api/whoami')).json, { authenticated: true, readOnly: false });
  const page = await request(s, '/', { token: null });
  assert.is(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.is((await request(s, '/assets/vendor/htm-preact.js', { token: null })).status, 200);
  assert.is((await request(s, '/api/stats', { token: null })).status, 401);
});

T.run();
