/**
 * The server in-process: a raw handler mounted on it (how the MCP endpoint is added) answers on
 * Node's own request and response with the parsed body, only after the gate (token, Host, size,
 * origin); closed event streams are let go; the error codes' HTTP statuses.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, tempDir, waitFor } from '../helpers.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { startServer, type Running } from '../../src/serve/server.ts';
import type { RawHandler } from '../../src/serve/app.ts';
import { events, request, type Served } from './fixture.ts';
import { EXIT, HTTP_STATUS } from '../../src/errors.ts';

const T = suite<{ dir: string; server?: Running; s: Served; calls: unknown[] }>('serve: mounts');
T.before.each(async (ctx) => {
  ctx.dir = tempDir();
  const t = tree(path.join(ctx.dir, 'tasks'));
  ensureTree(t);
  ctx.calls = [];
  const echo: RawHandler = (req, res, body, sctx) => {
    ctx.calls.push(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, body, readOnly: sctx.readOnly, root: sctx.tree.root }));
  };
  ctx.server = await startServer({ tree: t, host: '127.0.0.1', port: 0, readOnly: true, socket: 'unused', mounts: { '/mcp': echo } });
  ctx.s = { proc: undefined as never, port: ctx.server.port, token: ctx.server.token, url: ctx.server.url };
});
T.after.each(async (ctx) => {
  await ctx.server?.close();
  cleanup(ctx.dir);
});

T('the handler gets the raw request, the parsed body and the context, at its path and under it', async ({ s, dir }) => {
  const r = await request(s, '/mcp', { body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
  assert.is(r.status, 200, r.text);
  assert.equal(r.json, { method: 'POST', url: '/mcp', body: { jsonrpc: '2.0', id: 1, method: 'ping' }, readOnly: true, root: path.join(dir, 'tasks') });
  const sub = await request(s, '/mcp/sessions/x');
  assert.is(sub.json.url, '/mcp/sessions/x');
  assert.is(sub.json.body, undefined);
  assert.is((await request(s, '/mcp', { method: 'DELETE' })).json.method, 'DELETE');
});

T('the gate comes first: no token, a foreign Host or Origin, a big body or bad JSON never reach it', async (ctx) => {
  const { s } = ctx;
  const refused = [
    await request(s, '/mcp', { token: null, body: {} }),
    await request(s, '/mcp', { token: 'wrong-token-of-some-length', body: {} }),
    await request(s, '/mcp', { body: {}, headers: { host: `evil.example:${s.port}` } }),
    await request(s, '/mcp', { body: {}, headers: { origin: 'http://evil.example' } }),
    await request(s, '/mcp', { body: `{"x":"${'a'.repeat(1024 * 1024)}"}` }),
    await request(s, '/mcp', { body: '{not json' }),
  ].map((r) => r.status);
  assert.equal(refused, [401, 401, 403, 403, 413, 400]);
  assert.equal(ctx.calls, []);
});

T('an event stream that the client closes is let go (no subscriber left behind)', async (ctx) => {
  const streams = [0, 1, 2].map(() => events(ctx.s));
  for (const st of streams) await st.wait('hello', (e) => e.event === 'hello');
  assert.is(ctx.server!.ctx.events.clients, 3);
  streams.forEach((st) => st.close());
  await waitFor('the server lets them go', () => ctx.server!.ctx.events.clients === 0, 15_000);
});

T('every error code has an HTTP status from the issue\'s set', () => {
  for (const [code, status] of Object.entries(HTTP_STATUS)) assert.ok([400, 404, 409, 500, 503].includes(status), `${code}: ${status}`);
  assert.equal(Object.keys(HTTP_STATUS).sort(), Object.keys(EXIT).sort(), 'one status for each exit code');
});

T.run();
