/** Shared set-up of the agent end-to-end tests: a temp dir, a private tmux server, the fake agent. */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cleanup, cli, killAll, killTmux, REPO, tempDir, testEnv, tmuxSocket, type Run } from '../helpers.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';

export const FAKE_AGENT = path.join(REPO, 'test', 'fixtures', 'fake-agent.mjs');

/** `agent spawn` options that run the fake agent with patterns matching its screen. */
export const FAKE = [
  '--command', `node ${FAKE_AGENT}`,
  '--ready-pattern', '^fake>',
  '--busy-pattern', 'esc to interrupt',
  '--waiting-pattern', 'Do you want to proceed',
];

export interface Ctx {
  dir: string;
  root: string;
  sock: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh context: temp dir with the tree, a private tmux socket, a message log for the fake agent. */
export function setup(ctx: Partial<Ctx>, extra: NodeJS.ProcessEnv = {}): void {
  ctx.dir = tempDir('orc-agents-');
  ctx.root = path.join(ctx.dir, 'tree');
  ensureTree(tree(ctx.root)); // only tasks-init and init create a tree (README "Finding the tree")
  ctx.sock = tmuxSocket('ag');
  ctx.log = path.join(ctx.dir, 'received.jsonl');
  ctx.env = testEnv(ctx.root, { TMUX_SOCKET: ctx.sock, TMUX_SESSION: 'team', FAKE_AGENT_LOG: ctx.log, ...extra });
}

/** Kill the tmux server and workers, remove the temp dir: run in after.each, so even on failure. */
export function teardown(ctx: Partial<Ctx>): void {
  killAll();
  if (ctx.sock) killTmux(ctx.sock);
  cleanup(ctx.dir);
}

export async function run(ctx: Ctx, args: string[], input?: string): Promise<Run> {
  const t = Date.now();
  const r = await cli(args, { env: ctx.env, input, cwd: ctx.dir, timeoutMs: 60_000 });
  if (process.env.ORC_TEST_TIMING) process.stderr.write(`${Date.now() - t}ms ${args.slice(0, 3).join(' ')}\n`);
  return r;
}

/** Every message the fake agents received, in order. */
export function received(ctx: Ctx, agent?: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(ctx.log, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { agent?: string; text: string })
    .filter((m) => agent === undefined || m.agent === agent)
    .map((m) => m.text);
}

/** Spawn a fake agent and check it came up. */
export async function spawnFake(ctx: Ctx, name: string, ...more: string[]): Promise<void> {
  const r = await run(ctx, ['agent', 'spawn', '--name', name, '--role', 'engineer', '--cwd', ctx.dir, ...FAKE, ...more]);
  assert.is(r.code, 0, `spawn ${name}: ${r.stderr}`);
}

/** Exit code and one clear stderr line, never a stack trace. */
export function oneLine(r: Run, code: number, pattern: RegExp): void {
  assert.is(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.ok(pattern.test(lines[0]), `${lines[0]} should match ${pattern}`);
  assert.not.match(r.stderr, /\n\s+at /);
}
