/**
 * `/mcp` on the real `tmux-orc serve` with the SDK's own Client over Streamable HTTP: every tool
 * called once (a real worker, a private tmux server and the fake agent), progress while waiting,
 * tool errors, and the server's own gate in front of it: the token, the Host check (DNS
 * rebinding), --read-only.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { needingPerl, start, waitFor } from '../helpers.ts';
import { FAKE_AGENT, received, run, setup, teardown, type Ctx } from '../agents/fixture.ts';
import { request, serve } from '../serve/fixture.ts';
import { ALL_TOOLS, call, ok, READ_ONLY_TOOLS, refused } from './fixture.ts';
import { httpClient } from './http-client.ts';

type HCtx = Ctx & { clients: Client[] };

const T = suite<HCtx>('mcp http');
T.before.each((ctx) => {
  setup(ctx, { TMUX_ORC_AGENT_QUIET: '1s', TMUX_ORC_AGENT_DEBOUNCE: '500ms' });
  ctx.clients = [];
});
T.after.each(async (ctx) => {
  for (const c of ctx.clients) await c.close().catch(() => undefined);
  teardown(ctx);
});

needingPerl(T, 'every tool over /mcp')('every tool over /mcp of tmux-orc serve, with progress while wait_task waits', async (ctx) => {
  const s = await serve(ctx.root, [], ctx.env);
  const c = await httpClient(s);
  ctx.clients.push(c);
  assert.equal((await c.listTools()).tools.map((t) => t.name), ALL_TOOLS);

  start(['worker', '--root', ctx.root, '--id', '0'], { env: ctx.env, cwd: ctx.dir });
  const { id } = await ok(c, 'enqueue_task', { command: 'sleep 1; echo slept', id: 'nap' });
  const progress: number[] = [];
  const waited = await c.callTool({ name: 'wait_task', arguments: { id, timeout: '30s' } }, undefined, { onprogress: (p) => progress.push(p.progress), timeout: 60_000 });
  const outcome = JSON.parse((waited.content as Array<{ text: string }>)[0].text);
  assert.equal([outcome.ended, outcome.exitCode], [true, 0]);
  assert.ok(progress.length >= 1, 'progress notifications while waiting');
  assert.is((await ok(c, 'get_task', { id })).logs.stdout, 'slept\n');
  assert.is((await ok(c, 'list_tasks', { state: 'done' })).tasks[0].id, id);
  const bad = (await ok(c, 'enqueue_task', { command: 'exit 4' })).id;
  assert.is((await ok(c, 'wait_task', { id: bad, timeout: 30 })).exitCode, 4);
  assert.equal(await ok(c, 'retry_task', { id: bad }), { retried: [bad] });
  await ok(c, 'wait_task', { id: bad, timeout: 30 });
  const later = (await ok(c, 'enqueue_task', { command: 'true', at: '@' + String(Math.floor(Date.now() / 1000) + 3600) })).id;
  assert.is((await ok(c, 'cancel_task', { id: later })).outcome, 'cancelled-queued');

  const spawned = await ok(c, 'spawn_agent', { name: 'eng', role: 'engineer', command: `node ${FAKE_AGENT}`, ready_pattern: '^fake>', busy_pattern: 'esc to interrupt', cwd: ctx.dir });
  assert.is(spawned.ready, true);
  assert.equal((await ok(c, 'list_agents')).map((a: { name: string }) => a.name), ['eng']);
  assert.is((await ok(c, 'agent_status', { target: 'eng' })).name, 'eng');
  await ok(c, 'send_message', { target: 'eng', message: 'over http' });
  await waitFor('the message', () => received(ctx, 'eng').includes('over http'), 10_000);
  assert.match((await ok(c, 'capture_pane', { target: 'eng' })).text, /fake>/);
  const turn = await ok(c, 'assign_task', { agent: 'eng', text: 'work 0.2: a turn over http' });
  assert.is((await ok(c, 'wait_task', { id: turn.id, timeout: '45s' })).dir, 'done');
  const checkin = await ok(c, 'schedule_checkin', { when: '1h', note: 'how is it going', target: 'eng' });
  assert.match(checkin.id, /\S/);
  assert.ok((await ok(c, 'session_status')).some((p: { window: string }) => p.window === 'eng'));
  assert.equal(await ok(c, 'barrier_signal', { name: 'b' }), { name: 'b', released: 0, pending: 1 });
  // No caller over HTTP: a message needs its target.
  await refused(c, 'send_message', { message: 'hi' }, /^no target, and not running inside an agent window/);
  await refused(c, 'get_task', { id: 'nope' }, `no task nope in ${ctx.root}`);
});

T('the server\'s gate guards /mcp: no token 401, a wrong token 401, a foreign Host 403 (DNS rebinding), GET 405; --read-only hides the mutating tools', async (ctx) => {
  const s = await serve(ctx.root, [], ctx.env);
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
  const accept = { accept: 'application/json, text/event-stream' };
  assert.is((await request(s, '/mcp', { body: init, headers: accept, token: null })).status, 401);
  assert.is((await request(s, '/mcp', { body: init, headers: accept, token: 'wrong' })).status, 401);
  const evil = await request(s, '/mcp', { body: init, headers: { ...accept, host: 'evil.example.com', origin: 'http://evil.example.com' } });
  assert.is(evil.status, 403, evil.text);
  const rebound = await request(s, '/mcp', { body: init, headers: { ...accept, host: `evil.example.com:${s.port}` } });
  assert.is(rebound.status, 403, rebound.text);
  const good = await request(s, '/mcp', { body: init, headers: accept });
  assert.is(good.status, 200, good.text);
  assert.match(good.text, /"serverInfo":\{"name":"tmux-orc"/);
  const get = await request(s, '/mcp', { headers: accept });
  assert.is(get.status, 405, get.text);
  await httpClient(s, null).then(
    () => assert.unreachable('connected without a token'),
    (err: Error) => assert.match(String(err), /a token is needed/),
  );

  const ro = await serve(ctx.root, ['--read-only'], { ...ctx.env });
  const c = await httpClient(ro);
  ctx.clients.push(c);
  assert.equal((await c.listTools()).tools.map((t) => t.name), READ_ONLY_TOOLS);
  const r = await call(c, 'barrier_signal', { name: 'b' });
  assert.ok(r.isError);
  assert.is((await run(ctx, ['barrier-wait', 'b', '--timeout', '1s'])).code, 7, 'no signal was kept');
});

T.run();
