/** `tmux-orc mcp`: one MCP server on stdin/stdout until the client closes its end. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from './server.js';
import type { McpContext } from './tool.js';

export async function serveStdio(ctx: McpContext): Promise<void> {
  const server = createMcpServer(ctx);
  const closed = new Promise<void>((resolve) => (server.server.onclose = resolve));
  await server.connect(new StdioServerTransport());
  // The client closing stdin ends the session (the SDK's transport does not watch for it).
  process.stdin.once('end', () => void server.close());
  await closed;
}
