/**
 * The server's gate, in the order a request meets it: the Host must be a name and port this
 * server serves (DNS rebinding), the body at most 1 MiB, the token right (header, cookie, or
 * `?token=` once, which sets the cookie and redirects to the clean URL), and a browser write must
 * come from this origin. Only `GET /healthz` passes without the token.
 */
import os from 'node:os';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { sameToken } from './token.js';
import { httpError } from './http-error.js';

/** Request bodies over this are refused (413). */
export const MAX_BODY_BYTES = 1024 * 1024;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The `host:port` values a request's Host may carry: the loopback names, and the bound host when it is not loopback (every local address when it is a wildcard). */
export function allowedHosts(host: string, port: number): Set<string> {
  const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  if (!isLoopback(host)) names.push(bracket(host));
  if (host === '0.0.0.0' || host === '::') {
    names.push(os.hostname());
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.push(bracket(a.address));
  }
  return new Set(names.map((n) => `${n.toLowerCase()}:${port}`));
}

export interface GuardOptions {
  token: string;
  /** Filled once the port is known. */
  hosts: Set<string>;
  /** The cookie's name: cookies are shared by every port of a host, so it carries the port. */
  cookie: () => string;
}

export function hostCheck(o: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!o.hosts.has(host)) return httpError(c, 403, 'forbidden', `Host ${JSON.stringify(host)} is not served here: use http://127.0.0.1:<port>/ (DNS rebinding guard)`);
    await next();
  };
}

export const limitBody: MiddlewareHandler = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => httpError(c, 413, 'too-large', `request body over the ${MAX_BODY_BYTES}-byte (1 MiB) limit`),
});

export function auth(o: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && (c.req.method === 'GET' || c.req.method === 'HEAD')) {
      if (!sameToken(fromQuery, o.token)) return unauthorized(c, 'wrong token');
      setCookie(c, o.cookie(), o.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const header = c.req.header('authorization');
    const given = header !== undefined ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? '' : getCookie(c, o.cookie());
    if (given === undefined) return unauthorized(c, 'a token is needed: Authorization: Bearer <the token in <root>/serve.token>');
    if (!sameToken(given, o.token)) return unauthorized(c, 'wrong token');
    await next();
  };
}

function unauthorized(c: Context, message: string): Response {
  c.header('WWW-Authenticate', 'Bearer realm="tmux-orc"');
  return httpError(c, 401, 'unauthorized', message);
}

/** Browser writes from another origin are refused, whatever credentials they carry. */
export function sameOriginWrites(o: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return httpError(c, 403, 'forbidden', `cross-origin write refused (Sec-Fetch-Site: ${site})`);
    const origin = c.req.header('origin');
    if (origin !== undefined && !o.hosts.has(origin.replace(/^http:\/\//i, '').toLowerCase())) {
      return httpError(c, 403, 'forbidden', `cross-origin write refused (Origin: ${origin})`);
    }
    await next();
  };
}
