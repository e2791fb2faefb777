/** Errors as the API answers them: `{"error":{"code","message"}}` with the status of its code (src/errors.ts HTTP_STATUS). */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describe, HTTP_STATUS, OrcError } from '../errors.js';
import { plainErrno } from '../cli/errno.js';

/** Codes the HTTP face adds to the shared ones: the gate's refusals. */
export type HttpOnlyCode = 'unauthorized' | 'forbidden' | 'too-large' | 'read-only';

export function httpError(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

/** Any thrown error as the API's answer: an OrcError by its code; anything else is a 500 in one line. */
export function errorResponse(c: Context, err: unknown, root: string): Response {
  const e = plainErrno(err, root) ?? err;
  if (e instanceof OrcError) return httpError(c, HTTP_STATUS[e.code] as ContentfulStatusCode, e.code, e.message);
  return httpError(c, 500, 'failed', describe(e));
}
