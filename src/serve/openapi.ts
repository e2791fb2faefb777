/** /openapi.json, generated from the route table and its zod schemas (never written by hand). */
import { z } from 'zod';
import { VERSION } from '../version.js';
import { ErrorBody } from './schemas.js';
import type { Route } from './routes.js';

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

/** Path and query parameters from an object schema's properties. */
function parameters(where: 'path' | 'query', s: z.ZodType | undefined): Json[] {
  if (!s) return [];
  const js = schema(s, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, p]) => {
    const { description, ...rest } = p;
    return { name, in: where, required: where === 'path' || (js.required ?? []).includes(name), description, schema: rest };
  });
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function openApi(routes: Route[], extra: Array<{ method: string; path: string; summary: string; description: string; type: string }>): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const p = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const type = r.ok.type ?? 'json';
    const mime = type === 'json' ? 'application/json' : type === 'text' ? 'text/plain' : 'text/event-stream';
    const op: Json = {
      summary: r.summary,
      operationId: `${r.method}${p.replace(/[{}]/g, '').split('/').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`,
      parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
      responses: {
        [r.ok.status]: { description: r.ok.description, content: { [mime]: r.ok.schema ? { schema: schema(r.ok.schema, 'output') } : {} } },
        400: errorResponse('bad input: unknown fields, bad values, bad JSON'),
        401: errorResponse('no token, or a wrong one'),
        ...(r.write ? { 403: errorResponse('read-only server, or a cross-origin browser write') } : {}),
        ...(r.params ? { 404: errorResponse('no such task, agent or session') } : {}),
        ...(r.write ? { 409: errorResponse('not in a state this applies to, or exists already'), 413: errorResponse('body over 1 MiB') } : {}),
        500: errorResponse('the server could not do it (an unsafe tree, tmux failing)'),
      },
    };
    if (r.body) op.requestBody = { required: r.body.safeParse({}).success === false, content: { 'application/json': { schema: schema(r.body, 'input') } } };
    (paths[p] ??= {})[r.method] = op;
  }
  for (const e of extra) {
    (paths[e.path] ??= {})[e.method] = { summary: e.summary, security: e.path === '/healthz' ? [] : undefined, responses: { 200: { description: e.description, content: { [e.type]: {} } } } };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tmux-orc', version: VERSION, description: 'The task queue, workers and agents of one tmux-orc tree (README "Server"; docs/serve.md).' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the token in <root>/serve.token' } },
      schemas: { Error: schema(ErrorBody, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
