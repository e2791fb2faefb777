/**
 * One error type for the whole project. Library code throws `OrcError` with a `code`
 * from the closed union below; the CLI maps codes to exit codes in exactly one place
 * (`exitCodeFor`), and tests assert on `err.code`.
 */

/** Every failure the project reports on purpose. */
export type ErrorCode =
  | 'usage' // bad arguments or bad input on the command line
  | 'not-found' // unknown task ID, session, agent, target or barrier
  | 'conflict' // exists already, or in a state the operation does not apply to
  | 'unsafe-tree' // tree writable by others or owned by another user
  | 'tmux' // tmux missing, too old, or a tmux command failed
  | 'timeout' // a wait ran out of time
  | 'unhealthy' // tasks-health found a problem
  | 'undelivered' // a message could not be confirmed, or its target is dead
  | 'unreachable' // the backend (Redis) could not be reached
  | 'failed'; // anything else that went wrong on purpose

/** The documented exit codes (README "Exit codes"). */
export const EXIT: Record<ErrorCode, number> = {
  failed: 1,
  usage: 2,
  'not-found': 3,
  conflict: 4,
  'unsafe-tree': 5,
  tmux: 6,
  timeout: 7,
  unhealthy: 8,
  undelivered: 9,
  unreachable: 10,
};

/**
 * The same codes as HTTP statuses, for `tmux-orc serve` (src/serve/): a server-side problem
 * (an unsafe tree, tmux failing, a wait that ran out) is the server's 500, not the client's fault.
 */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  failed: 500,
  usage: 400,
  'not-found': 404,
  conflict: 409,
  'unsafe-tree': 500,
  tmux: 500,
  timeout: 500,
  unhealthy: 500,
  undelivered: 409,
  unreachable: 503,
};

const BRAND = Symbol.for('tmux-orc.OrcError');

export class OrcError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrcError';
    this.code = code;
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  // The fast CommonJS entry and the ES module build (with the Redis backend in its own file) each
  // hold a copy of this class: an OrcError thrown by one is an OrcError to the other.
  static [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Shorthand used at the throw sites: `throw fail('not-found', 'no task x')`. */
export function fail(code: ErrorCode, message: string, cause?: unknown): OrcError {
  return new OrcError(code, message, cause === undefined ? undefined : { cause });
}

export function exitCodeFor(err: unknown): number {
  return err instanceof OrcError ? EXIT[err.code] : EXIT.failed;
}

/** One line for a human, never a stack trace. */
export function describe(err: unknown): string {
  if (err instanceof OrcError) return err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** True for a Node fs error with one of these errno codes. */
export function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}
