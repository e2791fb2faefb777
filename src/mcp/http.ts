/**
 * `/mcp`: MCP over Streamable HTTP, stateless. Each POST gets a fresh server and transport (the
 * tools are cheap to register, and no session is kept that a restart could lose or a client
 * could leak); GET and DELETE, which only sessions use, are refused with 405. Authentication and
 * the Host/Origin check are the HTTP server's (src/serve/guard.ts), done before this handler is
 * reached; `tmux-orc serve` mounts it at /mcp.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer } from './server.js';
import type { McpContext } from './tool.js';

/** A handler for Node's raw request and response; `body` is the JSON body when the server has read it already. */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, body?: unknown) => Promise<void>;

export function mcpHttpHandler(ctx: McpContext): RawHandler {
  return async (req, res, body) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'POST' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: `${req.method} is not served: this MCP endpoint is stateless, POST each JSON-RPC message` }, id: null }));
      return;
    }
    const server = createMcpServer(ctx);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };
}
