/**
 * The agent and session tools of `tmux-orc mcp` against a real tmux server on a private socket and
 * the fake agent (test/fixtures/fake-agent.mjs): spawn, list, status, send (and the reply to whom
 * the caller reports to), capture, check-ins, session status, barriers, and their errors.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers.ts';
import { FAKE_AGENT, received, run, setup, teardown, type Ctx } from '../agents/fixture.ts';
import { call, ok, refused, stdioClient } from './fixture.ts';

type MCtx = Ctx & { closers: Array<() => Promise<void>> };

const T = suite<MCtx>('mcp agents');
// Short status timing (as the work-queue tests use), so an agent counts as idle soon after its prompt is back.
T.before.each((ctx) => {
  setup(ctx, { TMUX_ORC_AGENT_QUIET: '1s', TMUX_ORC_AGENT_DEBOUNCE: '500ms' });
  ctx.closers = [];
});
T.after.each(async (ctx) => {
  for (const c of ctx.closers) await c().catch(() => undefined);
  teardown(ctx);
});

/** An MCP client on the real CLI; `agent` runs it as that agent would (ORC_AGENT set in its window). */
async function client(ctx: MCtx, agent?: string) {
  const env = { ...ctx.env };
  if (agent) env.ORC_AGENT = agent;
  else delete env.ORC_AGENT;
  const c = await stdioClient(['--root', ctx.root], env, ctx.dir);
  ctx.closers.push(() => c.close());
  return c;
}

const fake = (ctx: MCtx, name: string, more: Record<string, unknown> = {}) => ({
  name,
  role: 'engineer',
  command: `node ${FAKE_AGENT}`,
  ready_pattern: '^fake>',
  busy_pattern: 'esc to interrupt',
  waiting_pattern: 'Do you want to proceed',
  cwd: ctx.dir,
  ...more,
});

T('spawn, list, status, send, capture, check-ins, session status and barriers; an agent replies to whom it reports to', async (ctx) => {
  const c = await client(ctx);
  const lead = await ok(c, 'spawn_agent', fake(ctx, 'lead', { role: 'orchestrator', brief: 'Hello {{name}}, you are the {{role}}.' }));
  assert.equal([lead.name, lead.window, lead.ready, lead.briefed], ['lead', 'team:lead', true, true]);
  await waitFor('the briefing', () => received(ctx, 'lead').length === 1);
  assert.equal(received(ctx, 'lead'), ['Hello lead, you are the orchestrator.']);

  // An agent spawning another becomes its boss.
  const asLead = await client(ctx, 'lead');
  const eng = await ok(asLead, 'spawn_agent', fake(ctx, 'eng', { brief: 'You report to {{reports_to}}.' }));
  assert.is(eng.reportsTo, 'lead');
  await waitFor('eng briefing', () => received(ctx, 'eng').length === 1);
  assert.equal(received(ctx, 'eng'), ['You report to lead.']);

  const agents = await ok(c, 'list_agents');
  assert.equal(agents.map((a: { name: string }) => a.name), ['lead', 'eng']);
  assert.is(agents[1].reportsTo, 'lead');
  const status = await ok(c, 'agent_status', { target: 'eng' });
  assert.is(status.name, 'eng');
  assert.ok(['starting', 'idle', 'busy'].includes(status.state), status.state);
  assert.is((await ok(c, 'agent_status')).length, 2);

  await ok(c, 'send_message', { target: 'eng', message: 'Fix the login form\nthen run the tests' });
  const asEng = await client(ctx, 'eng');
  const reply = await ok(asEng, 'send_message', { message: 'Login form fixed' });
  assert.equal([reply.delivered, reply.to], [true, 'lead']);
  await waitFor('both messages', () => received(ctx).length === 4);
  assert.equal(received(ctx, 'eng').slice(1), ['Fix the login form\nthen run the tests']);
  assert.equal(received(ctx, 'lead').slice(1), ['[from eng] Login form fixed']);

  const screen = await ok(c, 'capture_pane', { target: 'eng', lines: 5 });
  assert.match(screen.pane, /^%\d+$/);
  assert.match(screen.text, /fake>/);
  assert.ok(screen.text.split('\n').length <= 5);

  const own = await ok(asEng, 'schedule_checkin', { when: '1h', note: 'Report progress' });
  const other = await ok(c, 'schedule_checkin', { when: '2h', note: 'Standup', target: 'lead', every: '1h' });
  const schedules = JSON.parse((await run(ctx, ['schedule', 'list', '--json'])).stdout) as Array<{ id: string; target: string; note: string; every?: string }>;
  assert.equal(schedules.map((s) => [s.id, s.target, s.note, s.every]), [[own.id, 'eng', 'Report progress', undefined], [other.id, 'lead', 'Standup', '1h']]);

  const panes = await ok(c, 'session_status');
  const windows = panes.map((p: { window: string }) => p.window);
  for (const w of ['lead', 'eng', 'scheduler']) assert.ok(windows.includes(w), `${w} in ${windows}`);

  assert.equal(await ok(c, 'barrier_signal', { name: 'built' }), { name: 'built', released: 0, pending: 1 });
  const waited = await run(ctx, ['barrier-wait', 'built', '--timeout', '10s']);
  assert.is(waited.code, 0, waited.stderr);
});

T('assign_task returns the ID at once; the turn is typed when the agent is idle, and wait_task gives its result', async (ctx) => {
  const c = await client(ctx);
  await ok(c, 'spawn_agent', fake(ctx, 'eng'));
  const first = await ok(c, 'assign_task', { agent: 'eng', text: 'work 2: first' });
  const second = await ok(c, 'assign_task', { agent: 'eng', text: 'work 0.2: second', id: 'turn-2' });
  assert.equal([first.agent, first.state, second.id], ['eng', 'queue', 'turn-2']);
  // A bounded wait while the first is worked on: the second is still queued, not a hang.
  const early = await ok(c, 'wait_task', { id: 'turn-2', timeout: '500ms' });
  assert.equal([early.ended, early.state], [false, 'queue']);
  const done = await ok(c, 'wait_task', { id: 'turn-2', timeout: '60s' }, { timeout: 90_000 });
  assert.equal([done.ended, done.dir, done.exitCode], [true, 'done', 0]);
  assert.is((await ok(c, 'get_task', { id: first.id })).state, 'done');
  const turns = received(ctx, 'eng').filter((m) => m.includes('tmux-orc done')).map((m) => m.split('\n')[0]);
  assert.equal(turns, ['work 2: first', 'work 0.2: second']);
  const status = await ok(c, 'agent_status', { target: 'eng' });
  assert.equal([status.task, status.queued], [undefined, 0]);
  await refused(c, 'assign_task', { agent: 'ghost', text: 'hi' }, (await run(ctx, ['assign', 'ghost', 'hi'])).stderr.trim().replace(/^tmux-orc: /, ''));
  await refused(c, 'assign_task', { agent: 'eng', text: ' ' }, /^empty task/);
});

T('agent tool errors read as the CLI\'s; --read-only offers none that types or spawns', async (ctx) => {
  const c = await client(ctx);
  const cliLine = async (...args: string[]) => {
    const r = await run(ctx, args);
    assert.ok(r.code !== 0 && r.stderr !== '', `the CLI refuses ${args.join(' ')}`);
    return r.stderr.trim().replace(/^tmux-orc: /, '').replace(/ \(see tmux-orc [a-z-]+ --help\)$/, '');
  };
  await refused(c, 'send_message', { target: 'nobody', message: 'hi' }, await cliLine('send', 'nobody', 'hi'));
  await refused(c, 'send_message', { message: 'hi' }, 'no target, and not running inside an agent window ($ORC_AGENT is unset): give a target');
  await refused(c, 'send_message', { target: 'nobody', message: ' ' }, await cliLine('send', 'nobody', ' '));
  await refused(c, 'spawn_agent', fake(ctx, 'bad.name'), await cliLine('agent', 'spawn', '--name', 'bad.name', '--role', 'engineer', '--command', 'true'));
  await refused(c, 'spawn_agent', { name: 'x', role: 'engineer', preset: 'nope' }, await cliLine('agent', 'spawn', '--name', 'x', '--role', 'engineer', '--preset', 'nope'));
  await refused(c, 'agent_status', { target: 'ghost' }, await cliLine('agent', 'status', 'ghost'));
  await refused(c, 'schedule_checkin', { when: '30', note: 'x', target: 'lead' }, await cliLine('schedule', '30', 'x', '--target', 'lead'));
  await refused(c, 'schedule_checkin', { when: '30m', note: 'x' }, await cliLine('schedule', '30m', 'x'));
  await refused(c, 'barrier_signal', { name: 'a/b' }, await cliLine('barrier-signal', 'a/b'));
  await refused(c, 'capture_pane', { target: 'ghost' }, /^unknown target "ghost"/);
  await refused(c, 'session_status', {}, await cliLine('status'));

  const asEng = await client(ctx, 'eng');
  await refused(asEng, 'send_message', { message: 'hi' }, /^no agent "eng" in /);

  const ro = await stdioClient(['--root', ctx.root, '--read-only'], ctx.env, ctx.dir);
  ctx.closers.push(() => ro.close());
  const r = await call(ro, 'spawn_agent', fake(ctx, 'sneaky'));
  assert.ok(r.isError);
  assert.equal(await ok(ro, 'list_agents'), []);
});

T.run();
