/**
 * The work queue with the real Claude Code (offline: a dummy key, so each message keeps it busy
 * retrying the API for minutes): the first turn is typed, and the second is not while the first
 * keeps it busy. Skips, saying why, when Claude Code is not installed (scripts/test-deps.d).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { run, setup, teardown, type Ctx } from './fixture.ts';
import { find, readTask, tree } from '../../src/queue/tree.ts';
import { last } from '../../src/persist/codec.ts';

const BIN = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tmux-orc', 'agents', 'node_modules', '.bin', 'claude');
const KEY = 'sk-ant-test-0000-offline-dummy-key-000000000000';

/** Claude Code reaching its prompt with no network (FIELD-NOTES "Real agent CLIs offline"). */
function claudeEnv(dir: string): string[] {
  const home = path.join(dir, 'claude-home');
  fs.mkdirSync(home, { recursive: true });
  const config = { hasCompletedOnboarding: true, theme: 'dark', customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] }, projects: { [fs.realpathSync(dir)]: { hasTrustDialogAccepted: true } } };
  fs.writeFileSync(path.join(home, '.claude.json'), JSON.stringify(config));
  return [`HOME=${home}`, `ANTHROPIC_API_KEY=${KEY}`, 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1'].flatMap((e) => ['--env', e]);
}

const T = suite<Ctx>('agent work queue, real Claude Code');
T.before.each((ctx) => setup(ctx, { TMUX_ORC_AGENT_QUIET: '1s', TMUX_ORC_AGENT_DEBOUNCE: '500ms' }));
T.after.each((ctx) => {
  // Claude's process tree first: a Claude dying of the server's hang-up still writes to its home.
  try {
    const pid = tmux(ctx.sock, 'display-message', '-p', '-t', 'team:claude', '#{pane_pid}').trim();
    execFileSync('pkill', ['-KILL', '-s', String(Number(pid))], { stdio: 'ignore' });
  } catch {
    // no such pane (spawn failed), or nothing left to kill
  }
  try {
    teardown(ctx);
  } catch {
    fs.rmSync(ctx.dir!, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});

const state = (ctx: Ctx, id: string) => {
  const f = find(tree(ctx.root), id);
  const r = f && readTask(f.file);
  return { dir: f?.dir, delivered: r?.ok ? last(r.task.fields, 'DELIVERED') : undefined };
};
const screen = (ctx: Ctx) => tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:claude');

const test = fs.existsSync(BIN) ? T : (T.skip as typeof T);
if (!fs.existsSync(BIN)) console.log(`  skip: real Claude Code — not installed at ${BIN} (bash scripts/test-deps.d/agents.sh)`);

test('two turns: the second is not typed while the first keeps Claude busy', async (ctx) => {
  const spawned = await run(ctx, ['agent', 'spawn', '--name', 'claude', '--role', 'engineer', '--preset', 'claude', '--command', BIN, '--cwd', ctx.dir, ...claudeEnv(ctx.dir)]);
  assert.is(spawned.code, 0, spawned.stderr);
  const a = (await run(ctx, ['assign', 'claude', 'Reply with the word alpha.'])).stdout.trim();
  const b = (await run(ctx, ['assign', 'claude', 'Reply with the word bravo.'])).stdout.trim();
  await waitFor('the first turn typed', () => state(ctx, a).delivered, 60_000, 100).catch((err) => {
    throw new Error(`${(err as Error).message}\n${screen(ctx)}`);
  });
  assert.match(screen(ctx), /Reply with the word alpha\./);
  // Claude retries the unreachable API for minutes, showing "esc to interrupt": watch the
  // dispatcher leave the second turn queued through several of its ticks while it does.
  await waitFor('Claude busy', () => /esc to interrupt/.test(screen(ctx)), 20_000, 100);
  const until = Date.now() + 6000;
  while (Date.now() < until) {
    assert.is(state(ctx, b).dir, 'queue', 'the second turn waits');
    assert.not.match(screen(ctx), /bravo/, 'and was not typed');
    await new Promise((r) => setTimeout(r, 250));
  }
  const agentStatus = JSON.parse((await run(ctx, ['agent', 'status', 'claude', '--json'])).stdout) as { task?: string; queued: number };
  assert.equal([agentStatus.task, agentStatus.queued], [a, 1]);
  // Short: cancel both (the held one is interrupted with Escape); teardown kills Claude.
  assert.is((await run(ctx, ['tasks-cancel', b])).code, 0);
  const c = await run(ctx, ['tasks-cancel', a]);
  assert.is(c.code, 0, c.stderr);
  await waitFor('interrupted', () => !/esc to interrupt/.test(screen(ctx)), 10_000, 100);
});

T.run();
