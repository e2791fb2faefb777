/**
 * `/docs`: Swagger UI rendering /openapi.json, served from the npm-installed swagger-ui-dist
 * package (never a CDN). The page loads only same-origin files; its start-up is a file, not an
 * inline script, so a strict Content-Security-Policy holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Context, Hono } from 'hono';
import { httpError } from './http-error.js';

const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tmux-orc API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });\n`;

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

function distDir(): string | undefined {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function docsRoutes(app: Hono<any>): void {
  const dir = distDir();
  const page = (c: Context, body: string, type: string) => c.body(body, 200, { 'Content-Type': type, 'Content-Security-Policy': CSP });
  app.get('/docs', (c) => (dir ? page(c, PAGE, 'text/html; charset=utf-8') : httpError(c, 500, 'failed', 'swagger-ui-dist is not installed (npm install)')));
  app.get('/docs/init.js', (c) => page(c, INIT, 'text/javascript; charset=utf-8'));
  app.get('/docs/:file', (c) => {
    const file = c.req.param('file');
    const type = FILES[file];
    if (!dir || !type) return httpError(c, 404, 'not-found', `no such file: /docs/${file}`);
    return page(c, fs.readFileSync(path.join(dir, file), 'utf8'), type);
  });
}
