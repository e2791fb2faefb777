/**
 * The MCP server of tmux-orc, as a factory: `tmux-orc mcp` serves one over stdio, `/mcp` of
 * `tmux-orc serve` one per HTTP request. Tools are thin: validate (zod, by the SDK), call the
 * library function the CLI command calls, shape the answer (src/mcp/tools/*).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { VERSION } from '../version.js';
import { settle } from './result.js';
import type { McpContext, Tool } from './tool.js';
import { taskTools } from './tools/tasks.js';
import { agentTools } from './tools/agents.js';
import { sessionTools } from './tools/session.js';

/** Every tool, in the order clients list them. */
export const TOOLS: Tool[] = [...taskTools, ...agentTools, ...sessionTools];

/** The tools this server offers: all, or without the mutating ones in read-only mode. */
export const toolsFor = (readOnly: boolean): Tool[] => TOOLS.filter((t) => !readOnly || !t.mutating);

const INSTRUCTIONS =
  'tmux-orc: a task queue run by worker panes in tmux, and AI agents in tmux windows. ' +
  'enqueue_task returns an ID at once; wait_task waits a bounded time and can be called again. ' +
  'Errors read as the tmux-orc CLI\'s.';

export function createMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer({ name: 'tmux-orc', version: VERSION }, { instructions: INSTRUCTIONS + (ctx.readOnly ? ' Read-only: tools that change anything are not offered.' : '') });
  for (const t of toolsFor(ctx.readOnly)) {
    server.registerTool(
      t.name,
      {
        title: t.title,
        description: t.description,
        inputSchema: t.input,
        annotations: { title: t.title, readOnlyHint: !t.mutating, destructiveHint: t.mutating ? !!t.destructive : undefined, openWorldHint: false },
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      ((args: any, extra: any) => settle(() => t.run(args, ctx, extra), ctx.root)) as never,
    );
  }
  return server;
}
