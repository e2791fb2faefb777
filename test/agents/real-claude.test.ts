/**
 * The claude preset against the real Claude Code (offline, test/agents/real-agents.ts): spawn,
 * briefing, multi-line delivery, busy and idle by its own screen, an interrupted message left in its
 * input box, its trust dialog, kill. Offline it retries the API for minutes per message, so the tests
 * interrupt it with Escape rather than wait. Skipped, with the reason, when it is not installed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux } from '../helpers.ts';
import { oneLine, setup, teardown, type Ctx } from './fixture.ts';
import { realClaude, stopRealAgents, type RealAgent } from './real-agents.ts';
import { agentState, ifInstalled, killPaneProgram, realRun, screenOf, stateHolds, untilState } from './real-fixture.ts';

const T = suite<Ctx>('real Claude Code');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => {
  stopRealAgents(ctx.dir);
  teardown(ctx);
});

const test = ifInstalled(T, 'claude');

function claude(ctx: Ctx, opts: { trusted?: boolean } = {}): RealAgent {
  const c = realClaude(ctx.dir, opts);
  if ('skip' in c) throw new Error(c.skip);
  Object.assign(ctx.env, c.env);
  return c;
}

const MESSAGE = 'first line with "double" and \'single\' quotes\nsecond line: $HOME stays $HOME\nthird line, the last';

test('spawn → ready, briefed; busy by its preset pattern; Escape → idle without flapping; a three-line message arrives once, as one submission, not appended to the interrupted briefing; killed → dead at once', async (ctx) => {
  const c = claude(ctx);
  const brief = 'You are {{name}}. Reply OK.';
  let r = await realRun(ctx, ['agent', 'spawn', '--name', 'cc', '--role', 'engineer', '--preset', 'claude', '--cwd', ctx.dir, '--brief', brief, ...c.spawnArgs]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /cc: ready, briefed/);
  let s = await untilState(ctx, 'cc', 'busy');
  assert.match(s.reason, /preset pattern matched: "esc to interrupt"/);
  let screen = await screenOf(ctx, 'cc');
  assert.match(screen, /^❯ You are cc\. Reply OK\.$/m, screen);

  // Interrupted, it puts the briefing back into its input box: idle, and stays idle while its footer changes.
  tmux(ctx.sock, 'send-keys', '-t', 'team:cc', 'Escape');
  s = await untilState(ctx, 'cc', 'idle');
  assert.match(s.reason, /at its prompt, no busy sign/);
  await stateHolds(ctx, 'cc', 'idle', 4000);
  screen = await screenOf(ctx, 'cc');
  assert.match(screen, /^─+\n❯ You are cc\. Reply OK\.$/m, `the interrupted briefing is back in the input box:\n${screen}`);

  r = await realRun(ctx, ['send', 'cc', '-'], MESSAGE);
  assert.is(r.code, 0, r.stderr);
  s = await untilState(ctx, 'cc', 'busy');
  screen = await screenOf(ctx, 'cc');
  const [l1, l2, l3] = MESSAGE.split('\n');
  // One submission: the three lines together under one ❯, each once, and nothing of the briefing before them.
  assert.ok(screen.includes(`❯ ${l1}\n  ${l2}\n  ${l3}`), `one submission of three lines:\n${screen}`);
  for (const l of [l1, l2, l3]) assert.is(screen.split(l).length - 1, 1, `"${l}" once:\n${screen}`);
  assert.not.match(screen, /Reply OK\.\s*first line/, 'not appended to the briefing');

  // Killed while busy: dead at the next look (a fact from tmux, no debounce), not busy.
  killPaneProgram(ctx, 'cc');
  s = await agentState(ctx, 'cc');
  assert.is(s.state, 'dead', s.reason);
  assert.match(s.reason, /pane (was killed by signal 9|exited with status (137|\?))/);
  r = await realRun(ctx, ['agent', 'kill', 'cc']);
  assert.is(r.code, 0, r.stderr);
});

test('an untrusted folder: its trust dialog is needs-login, never briefed; spawn fails saying what it shows', async (ctx) => {
  const c = claude(ctx, { trusted: false });
  const r = await realRun(ctx, ['agent', 'spawn', '--name', 'cc', '--role', 'engineer', '--preset', 'claude', '--cwd', ctx.dir, '--brief', 'Do not send me', ...c.spawnArgs]);
  oneLine(r, 4, /^tmux-orc: agent cc shows a sign-in, onboarding or trust screen, not its prompt \("(Is this a project you created or one you trust|Yes, I trust this folder)"\): it was not briefed/);
  const s = await agentState(ctx, 'cc');
  assert.is(s.state, 'needs-login');
  assert.match(s.reason, /trust screen, not its prompt/);
  const screen = await screenOf(ctx, 'cc');
  assert.match(screen, /❯ No, exit/, 'the dialog is still there, no item was chosen');
  assert.not.match(screen, /Do not send me/);
});

test.run();
