/**
 * The codex preset against the real Codex CLI (offline, test/agents/real-agents.ts): its sign-in
 * menu is needs-login and never briefed (Enter there would start an OAuth flow); logged in, spawn →
 * briefed, a three-line message arrives once as one submission, busy by its pattern while it tries
 * to reconnect, Escape → idle, killed → dead at once. Skipped, with the reason, when not installed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux } from '../helpers.ts';
import { oneLine, setup, teardown, type Ctx } from './fixture.ts';
import { realCodex, stopRealAgents, type RealAgent } from './real-agents.ts';
import { agentState, ifInstalled, killPaneProgram, realRun, screenOf, stateHolds, untilState } from './real-fixture.ts';

const T = suite<Ctx>('real Codex');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => {
  stopRealAgents(ctx.dir);
  teardown(ctx);
});
const test = ifInstalled(T, 'codex');

function codex(ctx: Ctx, loggedIn: boolean): RealAgent {
  const c = realCodex(ctx.dir, { loggedIn });
  if ('skip' in c) throw new Error(c.skip);
  Object.assign(ctx.env, c.env);
  return c;
}

const MESSAGE = 'first line with "double" and \'single\' quotes\nsecond line: $HOME stays $HOME\nthird line, the last';

test('not logged in: its sign-in menu is needs-login, never briefed; spawn fails saying what it shows', async (ctx) => {
  const c = codex(ctx, false);
  const r = await realRun(ctx, ['agent', 'spawn', '--name', 'cx', '--role', 'engineer', '--preset', 'codex', '--cwd', ctx.dir, '--brief', 'Do not send me', ...c.spawnArgs]);
  oneLine(r, 4, /^tmux-orc: agent cx shows a sign-in, onboarding or trust screen, not its prompt \("[^"]*(Sign in with|Welcome to Codex|Press enter to continue)[^"]*"\): it was not briefed/);
  const s = await agentState(ctx, 'cx');
  assert.is(s.state, 'needs-login', s.reason);
  const screen = await screenOf(ctx, 'cx');
  assert.match(screen, /> 1\. Sign in with ChatGPT/, `the menu is still there, nothing chosen:\n${screen}`);
  assert.not.match(screen, /Do not send me|auth\.openai\.com|Finish signing in/);
});

test('logged in: spawn → ready, briefed; a three-line message arrives once, as one submission; busy → Escape → idle without flapping; killed → dead at once', async (ctx) => {
  const c = codex(ctx, true);
  let r = await realRun(ctx, ['agent', 'spawn', '--name', 'cx', '--role', 'engineer', '--preset', 'codex', '--cwd', ctx.dir, '--brief', 'You are {{name}}. Reply OK.', ...c.spawnArgs]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /cx: ready, briefed/);
  let s = await untilState(ctx, 'cx', 'busy');
  assert.match(s.reason, /preset pattern matched: "([Ee]sc to interrupt|Working \()"/);
  tmux(ctx.sock, 'send-keys', '-t', 'team:cx', 'Escape');
  await untilState(ctx, 'cx', 'idle');

  r = await realRun(ctx, ['send', 'cx', '-'], MESSAGE);
  assert.is(r.code, 0, r.stderr);
  await untilState(ctx, 'cx', 'busy');
  const screen = await screenOf(ctx, 'cx');
  const [l1, l2, l3] = MESSAGE.split('\n');
  assert.ok(screen.includes(`› ${l1}\n  ${l2}\n  ${l3}`), `one submission of three lines:\n${screen}`);
  for (const l of [l1, l2, l3]) assert.is(screen.split(l).length - 1, 1, `"${l}" once:\n${screen}`);

  tmux(ctx.sock, 'send-keys', '-t', 'team:cx', 'Escape');
  s = await untilState(ctx, 'cx', 'idle');
  assert.match(s.reason, /at its prompt, no busy sign/);
  await stateHolds(ctx, 'cx', 'idle', 3000);

  killPaneProgram(ctx, 'cx');
  s = await agentState(ctx, 'cx');
  assert.is(s.state, 'dead', s.reason);
});

test.run();
