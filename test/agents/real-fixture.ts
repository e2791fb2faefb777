/** What the real-agent tests share: CLI runs with room for a real agent's start, status polls. */
import fs from 'node:fs';
import * as assert from 'uvu/assert';
import { cli, tmux, waitFor, type Run } from '../helpers.ts';
import type { Test } from 'uvu';
import type { Ctx } from './fixture.ts';
import { realAgentMissing } from './real-agents.ts';

/** `tmux-orc ...args`, allowed two minutes (a real agent may take tens of seconds to show its prompt). */
export function realRun(ctx: Ctx, args: string[], input?: string): Promise<Run> {
  return cli(args, { env: ctx.env, input, cwd: ctx.dir, timeoutMs: 120_000 });
}

export interface StatusJson {
  state: string;
  reason: string;
  observed: { state: string; reason: string };
}

/** One `agent status --json` look (debounce 1s). */
export async function agentState(ctx: Ctx, name: string): Promise<StatusJson> {
  const r = await realRun(ctx, ['agent', 'status', name, '--json', '--debounce', '1s']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

/** The agent's visible screen. */
export async function screenOf(ctx: Ctx, name: string): Promise<string> {
  // Claude Code writes a no-break space after its ❯ and pads lines: plain, trimmed lines keep the assertions readable.
  return tmux(ctx.sock, 'capture-pane', '-p', '-J', '-t', `team:${name}`).replace(/\u00a0/g, ' ').replace(/[ \t]+$/gm, '').replace(/\s+$/, '');
}

/** Poll until the reported state is `state`; the error shows the last look and the screen. */
export async function untilState(ctx: Ctx, name: string, state: string, timeoutMs = 30_000): Promise<StatusJson> {
  let last: StatusJson | undefined;
  try {
    return (await waitFor(`${name} ${state}`, async () => {
      last = await agentState(ctx, name);
      return last.state === state ? last : undefined;
    }, timeoutMs, 200))!;
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}\n${await screenOf(ctx, name)}`);
  }
}

/** Assert that every look (reported and observed) for `ms` is `state`: no flapping. */
export async function stateHolds(ctx: Ctx, name: string, state: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await agentState(ctx, name);
    assert.is(s.state, state, `reported: ${s.reason}`);
    assert.is(s.observed.state, state, `observed: ${s.observed.reason}`);
  }
}

/** SIGKILL the program running in the agent's pane (the pane's process, or its children when that is a shell), by pid; wait for the pane to die. */
export function killPaneProgram(ctx: Ctx, name: string): void {
  const shell = tmux(ctx.sock, 'display-message', '-p', '-t', `team:${name}`, '#{pane_pid}').trim();
  const kids = fs.readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  // bash runs the last command of `-c` by exec: then the pane's process is the agent itself.
  const children = kids.length > 0 ? kids : [shell];
  for (const pid of children) process.kill(Number(pid), 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (tmux(ctx.sock, 'display-message', '-p', '-t', `team:${name}`, '#{pane_dead}').trim() !== '1') {
    if (Date.now() > deadline) throw new Error(`pane of ${name} did not die after SIGKILL of ${children.join(' ')}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** The suite's test function, or one that registers each test as skipped (saying why once) when the CLI is not installed. */
export function ifInstalled(T: Test<Ctx>, name: 'claude' | 'codex'): Test<Ctx> {
  const missing = realAgentMissing(name);
  if (!missing) return T;
  console.log(`  skip: real ${name} tests — ${missing}`);
  return Object.assign((n: string, fn: Parameters<Test<Ctx>>[1]) => T.skip(n, fn), T) as Test<Ctx>;
}
