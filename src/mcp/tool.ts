/**
 * What an MCP tool is here: a name, words for the model, a zod input shape (the SDK turns it into
 * the JSON schema clients see and validates calls against it), whether it changes anything (hidden
 * with --read-only), and `run`, which maps the arguments onto one library call.
 */
import type { z } from 'zod';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';

/** What every tool call knows besides its arguments. */
export interface McpContext {
  /** The task tree, absolute; checked again (exists, trusted) on each call that uses it. */
  root: string;
  /** Hide the tools that change anything. */
  readOnly: boolean;
  /** The agent this server runs for ($ORC_AGENT in its window): the sender of its messages. */
  caller?: string;
  /** Environment for tmux settings (TMUX_SOCKET, TMUX_SESSION, …). */
  env: NodeJS.ProcessEnv;
}

/** The SDK's per-call extras: the cancellation signal, progress token, notification sender. */
export type CallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface Tool<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** Changes the tree, a pane or an agent: hidden with --read-only. */
  mutating: boolean;
  /** Ends a task or cannot be undone (a hint for clients that ask before such calls). */
  destructive?: boolean;
  input: S;
  run: (args: z.infer<z.ZodObject<S>>, ctx: McpContext, extra: CallExtra) => Promise<unknown>;
}

/** Declare a tool with its argument types inferred from its shape. */
export function tool<S extends z.ZodRawShape>(t: Tool<S>): Tool {
  return t as unknown as Tool;
}
