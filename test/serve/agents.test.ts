/**
 * The agent, session and barrier endpoints of `tmux-orc serve` (issue 16) on a private tmux
 * server with the fake agent: its state and screen, a message delivered once, agent state
 * changes as events and metrics, the session's panes, a barrier signal a waiter then sees;
 * turns assigned over HTTP, delivered by the real dispatcher, listed and counted.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, tmux, waitFor } from '../helpers.ts';
import { received, setup, spawnFake, teardown, type Ctx } from '../agents/fixture.ts';
import { events, HAVE_PROMTOOL, request, serve, type Served } from './fixture.ts';

const T = suite<Ctx>('serve: agents');
// Short status timing (the server passes it on to the dispatcher it starts), so the fake agent
// counts as idle about 1.5 s after its prompt is back.
T.before.each((ctx) => setup(ctx, { TMUX_ORC_AGENT_QUIET: '1s', TMUX_ORC_AGENT_DEBOUNCE: '500ms' }));
T.after.each((ctx) => {
  try {
    teardown(ctx);
  } catch {
    // A report or a dispatcher tick was still finishing as the tmux server went down.
    fs.rmSync(ctx.dir!, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});

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

/** waitFor, saying on a timeout what the agent received, what the dispatcher said and where the turns are. */
const until = <V>(ctx: Ctx, s: Served, what: string, check: () => V | Promise<V>, ms: number) =>
  waitFor(what, check, ms).catch(async (err) => {
    let pane = '';
    try {
      pane = tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:dispatcher').trim();
    } catch {
      pane = '(no dispatcher window)';
    }
    throw new Error(`${(err as Error).message}\nreceived: ${JSON.stringify(received(ctx))}\ndispatcher:\n${pane}\n${(await request(s, '/api/tasks?agent=eng1')).text}`);
  });

/** The value of `tmuxorc_agent_queue{agent=...}` in a scrape, or undefined when it has no such line. */
async function queueGauge(s: Served, agent: string): Promise<{ value?: number; text: string }> {
  const text = (await request(s, '/metrics')).text;
  const m = new RegExp(`^tmuxorc_agent_queue\\{agent="${agent}"\\} (\\d+)$`, 'm').exec(text);
  return { value: m ? Number(m[1]) : undefined, text };
}

T('work queues: turns assigned over HTTP are delivered one at a time, listed with agent=, counted by tmuxorc_agent_queue; bad ones refused', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const s = await serve(ctx.root, [], ctx.env);
  const stream = events(s);
  await stream.wait('hello', (e) => e.event === 'hello');
  assert.is((await queueGauge(s, 'eng1')).value ?? 0, 0);

  const a = await request(s, '/api/agents/eng1/tasks', { body: { text: 'work 3: first', timeout: '5m', retries: 1 } });
  assert.is(a.status, 201, a.text);
  assert.equal([a.json.agent, a.json.state, a.json.cmd, a.json.timeout, a.json.retries], ['eng1', 'queue', 'work 3: first', '5m', 1]);
  assert.is(a.json.warning, undefined, 'a dispatcher was started');
  const b = await request(s, '/api/tasks', { body: { agent: 'eng1', argv: ['work', '0.5:', 'second'] } });
  assert.is(b.status, 201, b.text);
  assert.equal([b.json.agent, b.json.cmd], ['eng1', 'work 0.5: second']);
  const c = await request(s, '/api/agents/eng1/tasks', { body: { text: 'work 3: no report', doneOnIdle: '1s', after: b.json.id } });
  assert.is(c.status, 201, c.text);
  const shell = await request(s, '/api/tasks', { body: { cmd: 'true' } });
  assert.is(shell.status, 201, shell.text);
  assert.is(shell.json.agent, undefined);
  await stream.wait('a task event naming the agent', (e) => e.event === 'task' && e.data.id === c.json.id && e.data.task?.agent === 'eng1');

  // The first is held and typed in; the other two wait, and the gauge says so.
  const queueOf = (x: { task?: string; queued: number; turn?: unknown }) => ({ task: x.task, queued: x.queued, turn: x.turn });
  const held = await until(ctx, s, 'the first turn delivered', async () => {
    const r = (await request(s, '/api/agents/eng1')).json;
    return r.turn?.delivered && queueOf(r);
  }, 30_000);
  assert.equal(held, { task: a.json.id, queued: 2, turn: { id: a.json.id, text: 'work 3: first', delivered: true } });
  const listed = (await request(s, '/api/agents')).json.agents;
  assert.equal(listed.map((x: { name: string }) => [x.name, queueOf(x as never)]), [['eng1', held]]);
  const cliStatus = JSON.parse((await cli(['agent', 'status', 'eng1', '--json'], { env: ctx.env })).stdout);
  assert.equal([cliStatus.task, cliStatus.queued], [held.task, held.queued], 'as agent status --json says');
  const gauge = (await until(ctx, s, 'the gauge counts two waiting', async () => {
    const g = await queueGauge(s, 'eng1');
    return g.value === 2 ? g : undefined;
  }, 10_000))!;
  assert.match(gauge.text, /^# TYPE tmuxorc_agent_queue gauge$/m);
  if (HAVE_PROMTOOL) assert.is(execFileSync('promtool', ['check', 'metrics'], { input: gauge.text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim(), '');
  else console.log('  skip: promtool check — promtool not installed (scripts/test-deps.d/promtool.sh)');

  // Refusals, while the queue is busy: nothing more is queued by them.
  for (const [p, body, status, message] of [
    ['/api/agents/nobody/tasks', { text: 'x' }, 404, /no agent "nobody"/],
    ['/api/agents/eng1/tasks', { text: ' ' }, 400, /empty/],
    ['/api/agents/eng1/tasks', { text: 'x', cwd: '/' }, 400, /unknown field\(s\): "cwd"/],
    ['/api/agents/eng1/tasks', { text: 'x', doneOnIdle: 'soon' }, 400, /--done-on-idle "soon" is not a duration/],
    ['/api/agents/eng1/tasks', { text: 'x', in: '1m', at: '10:00' }, 400, /--in or --at/],
    ['/api/agents/eng1/tasks', { text: 'x', after: 'nope' }, 404, /--after: no task nope/],
    ['/api/tasks', { agent: 'eng1', cmd: 'x', hold: true }, 400, /--hold cannot be used with --agent/],
    ['/api/tasks', { agent: 'eng1', cmd: 'x', env: { A: '1' } }, 400, /--env cannot be used with --agent/],
    ['/api/tasks', { agent: 'nobody', cmd: 'x' }, 404, /no agent "nobody"/],
  ] as const) {
    const r = await request(s, p, { body });
    assert.is(r.status, status, `${p} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error.message, message);
  }
  const ro = await serve(ctx.root, ['--read-only'], ctx.env);
  const refused = await request(ro, '/api/agents/eng1/tasks', { body: { text: 'x' } });
  assert.equal([refused.status, refused.json.error.code], [403, 'read-only']);
  ro.proc.kill('SIGTERM');

  // All three turns end, in order; the list filters by agent, newest first.
  await until(ctx, s, 'the last turn settled on idle', async () => (await request(s, `/api/tasks/${c.json.id}`)).json.state === 'done', 45_000);
  // The list is served from the index, which follows the tree's moves a moment later.
  const mine = await until(ctx, s, 'the list to show the three turns done', async () => {
    const list = (await request(s, '/api/tasks?agent=eng1')).json;
    return list.tasks.length === 3 && list.tasks.every((t: { state: string }) => t.state === 'done') ? list : undefined;
  }, 10_000);
  assert.equal(mine.tasks.map((t: { id: string }) => t.id), [c.json.id, b.json.id, a.json.id]);
  assert.ok(mine.tasks.every((t: { agent: string; state: string }) => t.agent === 'eng1' && t.state === 'done'), JSON.stringify(mine.tasks));
  assert.equal(mine.tasks.map((t: { note: string }) => t.note), ['(settled on idle after 1s)', 'did: work 0.5: second', 'did: work 3: first']);
  assert.equal((await request(s, '/api/tasks?agent=nobody')).json.tasks, []);
  assert.equal(received(ctx, 'eng1').filter((m) => m.includes('tmux-orc done')).map((m) => m.split('\n')[0]), ['work 3: first', 'work 0.5: second', 'work 3: no report']);
  await waitFor('the gauge back to 0', async () => (await queueGauge(s, 'eng1')).value === 0, 10_000);
  assert.equal(queueOf((await request(s, '/api/agents/eng1')).json), { task: undefined, queued: 0, turn: undefined });
  stream.close();
});

T('/openapi.json documents the work-queue endpoint and options', async (ctx) => {
  const s = await serve(ctx.root, [], ctx.env);
  const doc = (await request(s, '/openapi.json')).json;
  const body = doc.paths['/api/agents/{name}/tasks'].post.requestBody.content['application/json'].schema;
  assert.is(body.additionalProperties, false);
  assert.equal(body.required, ['text']);
  assert.ok(body.properties.doneOnIdle && body.properties.after && body.properties.timeout);
  assert.ok(doc.paths['/api/tasks'].post.requestBody.content['application/json'].schema.properties.agent);
  assert.ok(doc.paths['/api/tasks'].get.parameters.some((p: { name: string }) => p.name === 'agent'));
  const agent = doc.paths['/api/agents'].get.responses[200].content['application/json'].schema.properties.agents.items.properties;
  assert.ok(agent.task && agent.queued && agent.turn);
});

T.run();
