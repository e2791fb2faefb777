/** The SDK's own Client on `/mcp` of a real `tmux-orc serve` (Streamable HTTP, the server's token). */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Served } from '../serve/fixture.ts';

export async function httpClient(s: Served, token: string | null = s.token): Promise<Client> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const client = new Client({ name: 'orc-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('mcp', s.url), { requestInit: { headers } }));
  return client;
}
