/**
 * The agent, session and barrier endpoints of `tmux-orc serve` (issue 16) on a private tmux
 * server with the fake agent: its state and screen, a message delivered once, agent state
 * changes as events and metrics, the session's panes, a barrier signal a waiter then sees.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, waitFor } from '../helpers.ts';
import { received, setup, spawnFake, teardown, type Ctx } from '../agents/fixture.ts';
import { events, request, serve } from './fixture.ts';

const T = suite<Ctx>('serve: agents');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

T('agents: listed with their state, one in full with its screen, a message delivered; state changes arrive as events and metrics', async (ctx) => {
  const s = await serve(ctx.root, [], ctx.env);
  const stream = events(s);
  await stream.wait('hello', (e) => e.event === 'hello');
  await spawnFake(ctx, 'eng-1');
  const change = await stream.wait('the agent as an event', (e) => e.event === 'agent' && e.data.name === 'eng-1', 20_000);
  assert.ok(['starting', 'idle', 'busy', 'unknown'].includes(change.data.state), change.data.state);
  const idle = await waitFor('idle', async () => {
    const r = await request(s, '/api/agents/eng-1');
    return r.json.status.state === 'idle' && r.json;
  }, 20_000);
  assert.is(idle.name, 'eng-1');
  assert.is(idle.role, 'engineer');
  assert.match(idle.status.reason, /at its prompt|screen unchanged/);
  assert.ok(idle.screen.some((l: string) => l.startsWith('fake>')), JSON.stringify(idle.screen));
  assert.ok((await request(s, '/api/agents/eng-1?lines=1')).json.screen.length <= 1);
  const list = await request(s, '/api/agents');
  assert.equal(list.json.agents.map((a: { name: string }) => a.name), ['eng-1']);
  assert.ok(list.json.agents[0].status.state);

  const sent = await request(s, '/api/agents/eng-1/messages', { body: { text: 'line one\nline two', from: 'web' } });
  assert.is(sent.status, 200, sent.text);
  assert.is(sent.json.delivered, true);
  await waitFor('received', () => received(ctx, 'eng-1').length === 1, 10_000);
  assert.equal(received(ctx, 'eng-1'), ['[from web] line one\nline two']);

  const metrics = await request(s, '/metrics');
  assert.match(metrics.text, /^tmuxorc_agent_state\{agent="eng-1",state="(idle|busy)"\} 1$/m);
  for (const [p, body, status] of [
    ['/api/agents/nobody', undefined, 404],
    ['/api/agents/nobody/messages', { text: 'hi' }, 404],
    ['/api/agents/eng-1/messages', { text: '' }, 400],
    ['/api/agents/eng-1/messages', { msg: 'hi' }, 400],
  ] as const) {
    const r = await request(s, p, { body });
    assert.is(r.status, status, `${p} ${JSON.stringify(body)}: ${r.text}`);
  }
  assert.equal(received(ctx, 'eng-1').length, 1, 'nothing else sent');
  stream.close();
});

T("session: the panes of the session; none is 404. Barriers: a signal with nobody waiting is kept for the next waiter", async (ctx) => {
  const s = await serve(ctx.root, [], ctx.env);
  const none = await request(s, '/api/session');
  assert.is(none.status, 404, none.text);
  assert.match(none.json.error.message, /no tmux session "team"/);
  await spawnFake(ctx, 'eng-1');
  const session = await request(s, '/api/session');
  assert.is(session.status, 200, session.text);
  assert.ok(session.json.panes.some((p: { window: string }) => p.window === 'eng-1'), session.text);

  const sig = await request(s, '/api/barriers/build-done/signal', { method: 'POST' });
  assert.is(sig.status, 200, sig.text);
  assert.equal(sig.json, { released: 0, pending: 1 });
  const waited = await cli(['barrier-wait', 'build-done', '--timeout', '10s'], { env: ctx.env, timeoutMs: 20_000 });
  assert.is(waited.code, 0, waited.stderr);
  assert.is((await request(s, '/api/barriers/bad name/signal'.replace(' ', '%20'), { method: 'POST' })).status, 400);
});

T.run();
