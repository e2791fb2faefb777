/**
 * The dashboard's own files, served before the token check: they hold no data (every figure
 * comes from the API, which needs the token), so a visit without the token gets the page, which
 * then says how to get in (`GET /api/whoami` tells it whether it holds the token). Preact and htm come from the npm-installed `htm` package (its
 * standalone build: Preact with hooks and the `html` tag, one file), never from a CDN; there is no
 * build step. `/?token=` still goes through the gate, which sets the cookie.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Context, Hono, Next } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { getCookie } from 'hono/cookie';
import { sameToken } from './token.js';
import type { GuardOptions } from './guard.js';

/** The page may load its own scripts and styles only; the API is same-origin. */
export const PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function vendorFile(): string | undefined {
  try {
    // The package's exports do not name the standalone file: find it beside the main entry.
    return path.join(path.dirname(createRequire(import.meta.url).resolve('htm')), '..', 'preact', 'standalone.module.js');
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pageRoutes(app: Hono<any>, staticDir: string, guard: GuardOptions, readOnly: boolean): void {
  const files = serveStatic({ root: staticDir, onFound: (_p, c) => void c.header('Content-Security-Policy', PAGE_CSP) });
  const vendor = vendorFile();
  app.get('/assets/vendor/htm-preact.js', (c: Context) => {
    if (!vendor || !fs.existsSync(vendor)) return c.text('htm is not installed (npm install)', 500);
    return c.body(fs.readFileSync(vendor), 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' });
  });
  app.use('/assets/*', files);
  // Whether this browser holds the token (the cookie is httpOnly: the page cannot look), so the
  // page can say how to get in instead of drawing itself from 401s.
  app.get('/api/whoami', (c: Context) => {
    const header = c.req.header('authorization');
    const given = header !== undefined ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : getCookie(c, guard.cookie());
    return c.json({ authenticated: sameToken(given, guard.token), readOnly });
  });
  app.get('/', (c: Context, next: Next) => (c.req.query('token') === undefined ? files(c, next) : next()));
}
