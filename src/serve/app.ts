/**
 * The HTTP app: the gate (guard.ts), the REST routes (routes.ts) registered from their table,
 * /metrics, /openapi.json, /docs, mounted raw handlers (the MCP endpoint), and the static page
 * at `/`. Handlers get validated input and call the library; errors become JSON here, once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { HttpBindings } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { fail } from '../errors.js';
import { auth, hostCheck, limitBody, sameOriginWrites, type GuardOptions } from './guard.js';
import { errorResponse, httpError } from './http-error.js';
import { ROUTES, type Route } from './routes.js';
import { openApi } from './openapi.js';
import { docsRoutes } from './docs.js';
import type { ServeContext } from './context.js';
import { pageRoutes } from './page.js';

/**
 * A handler mounted at a path (and everything under it) that answers on Node's own request and
 * response, after the gate: Host, body size, token and origin are checked, and `body` is the
 * parsed JSON body (undefined when there was none). The MCP endpoint is one:
 * `(req, res, body) => transport.handleRequest(req, res, body)`. It must answer on `res`.
 */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, body: unknown, ctx: ServeContext) => void | Promise<void>;

type Env = { Bindings: HttpBindings; Variables: { body: unknown } };

/** The page's directory: src/serve/static (run from source) or dist/static (built; package.json "build" copies it). */
export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

export function makeApp(ctx: ServeContext, guard: GuardOptions, metrics: Registry, mounts: Record<string, RawHandler> = {}): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((err, c) => errorResponse(c, err, ctx.tree.root));
  app.notFound((c) => httpError(c, 404, 'not-found', `no such endpoint: ${c.req.method} ${c.req.path} (GET /openapi.json lists them)`));
  // nosniff, no Referer (a URL may carry ?token= for a moment), not framed by other sites.
  app.use('*', secureHeaders());
  app.use('*', hostCheck(guard));
  app.get('/healthz', (c) => c.json({ ok: true }));
  pageRoutes(app, STATIC_DIR, guard, ctx.readOnly); // the dashboard's files: no data in them, so no token needed
  app.use('*', limitBody, auth(guard), sameOriginWrites(guard), parseBody);
  for (const r of ROUTES) app.on(r.method.toUpperCase(), r.path, (c) => handle(ctx, r, c));
  app.get('/metrics', async (c) => c.text(await metrics.metrics(), 200, { 'Content-Type': metrics.contentType }));
  const doc = openApi(ROUTES, [
    { method: 'get', path: '/healthz', summary: 'Liveness (no token needed)', description: '{"ok":true}', type: 'application/json' },
    { method: 'get', path: '/metrics', summary: 'Prometheus metrics', description: 'the text exposition format', type: 'text/plain' },
  ]);
  app.get('/openapi.json', (c) => c.json(doc));
  docsRoutes(app);
  for (const [path, handler] of Object.entries(mounts)) {
    const raw = async (c: Context<Env>) => {
      await handler(c.env.incoming, c.env.outgoing, c.get('body'), ctx);
      return RESPONSE_ALREADY_SENT;
    };
    app.all(path, raw);
    app.all(`${path}/*`, raw);
  }
  app.use('/*', serveStatic({ root: STATIC_DIR }));
  return app;
}

/** Read a write's body as JSON (the size was limited before); GETs have none. */
async function parseBody(c: Context<Env>, next: () => Promise<void>): Promise<Response | void> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  const text = await c.req.text();
  if (text.trim() !== '') {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\b/i.test(type)) return httpError(c, 400, 'usage', `send the body as JSON (Content-Type: application/json), not ${JSON.stringify(type || 'none')}`);
    try {
      c.set('body', JSON.parse(text));
    } catch (err) {
      return httpError(c, 400, 'usage', `the body is not JSON: ${(err as Error).message}`);
    }
  }
  await next();
}

async function handle(ctx: ServeContext, r: Route, c: Context<Env>): Promise<Response> {
  if (r.write && ctx.readOnly) return httpError(c, 403, 'read-only', 'this server is read-only (started with --read-only)');
  const input = {
    params: parse(r.params, c.req.param(), 'path'),
    query: parse(r.query, c.req.query(), 'query'),
    body: parse(r.body, c.get('body') ?? {}, 'body'),
  };
  if (r.write) ctx.checkTree();
  const out = await r.handle(ctx, input, c);
  return out instanceof Response ? out : c.json(out as object, r.ok.status);
}

/** Validate one part of the request; a usage error (400) names what is wrong, unknown fields by name. */
function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) {
    if (where === 'query' && Object.keys(value as object).length) throw fail('usage', `unknown query parameter(s): ${Object.keys(value as object).map((k) => JSON.stringify(k)).join(', ')}`);
    return undefined as T;
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown ${where === 'body' ? 'field' : `${where} parameter`}(s): ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    const at = i.path.length ? `"${i.path.join('.')}"` : `the ${where}`;
    return `${at}: ${i.message}`;
  });
  throw fail('usage', lines.join('; '));
}
