/** Shared set-up of the MCP tests: the SDK's own Client on the real `tmux-orc mcp`, and result readers. */
import path from 'node:path';
import * as assert from 'uvu/assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { REPO } from '../helpers.ts';

/** The command users register with their MCP client. */
export const BIN = path.join(REPO, 'bin', 'tmux-orc');

/** The tools of a full server, and of a --read-only one, in the order they are listed. */
export const ALL_TOOLS = [
  'enqueue_task', 'list_tasks', 'get_task', 'wait_task', 'cancel_task', 'retry_task',
  'list_agents', 'agent_status', 'send_message', 'spawn_agent', 'assign_task', 'schedule_checkin', 'capture_pane',
  'session_status', 'barrier_signal',
];
export const READ_ONLY_TOOLS = ['list_tasks', 'get_task', 'wait_task', 'list_agents', 'agent_status', 'capture_pane', 'session_status'];

/** Start `tmux-orc mcp ARGS` and connect the SDK client to it over stdio. */
export async function stdioClient(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Client & { stderr: () => string }> {
  const transport = new StdioClientTransport({ command: BIN, args: ['mcp', ...args], env: env as Record<string, string>, cwd, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d) => (err += d));
  const client = new Client({ name: 'orc-test', version: '1.0.0' });
  await client.connect(transport);
  return Object.assign(client, { stderr: () => err });
}

/** What a tool call gave: its error flag and text, and the text as JSON when it is. */
export interface Called {
  isError: boolean;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}, opts: { timeout?: number } = {}): Promise<Called> {
  if (process.env.ORC_TEST_TIMING) process.stderr.write(`call ${name} ${JSON.stringify(args)}\n`);
  const r = (await client.callTool({ name, arguments: args }, undefined, { timeout: opts.timeout ?? 60_000 })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: !!r.isError, text, json };
}

/** A call that must succeed; its JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}, opts: { timeout?: number } = {}): Promise<any> {
  const r = await call(client, name, args, opts);
  assert.not.ok(r.isError, `${name} failed: ${r.text}`);
  return r.json;
}

/** A call that must fail as a tool error with exactly this text (the CLI's line without `tmux-orc: `). */
export async function refused(client: Client, name: string, args: Record<string, unknown>, text: string | RegExp): Promise<void> {
  const r = await call(client, name, args);
  assert.ok(r.isError, `${name} should fail: ${r.text}`);
  if (typeof text === 'string') assert.is(r.text, text);
  else assert.match(r.text, text);
  assert.not.match(r.text, /\n\s+at /);
}
