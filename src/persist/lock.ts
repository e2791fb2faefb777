/**
 * The project's one lock, for the rare sections that several processes must not run at once
 * (a barrier's record, a check that an ID is unique, recovery, a send to one pane). Claims need
 * none: a rename decides them. Built on proper-lockfile: the lock is a directory made with
 * mkdir(2), which only one process can make; its holder refreshes its mtime, and a lock whose
 * mtime is older than `staleMs` is taken to be a dead holder's and broken.
 */
import { fail } from '../errors.js';

/** How a lock is taken. */
export interface LockOptions {
  /**
   * A lock older than this is broken as its holder's, presumed dead. The holder refreshes it every
   * staleMs / 2, so only one that is gone (or stopped for that long) loses it. proper-lockfile
   * raises anything under 2000 ms to 2000 ms. Default 2000: the shortest, because it is also how
   * long everyone waits after a holder is killed inside its section.
   */
  staleMs: number;
  /** Give up with OrcError('timeout') after waiting about this long for another holder. Default 10 s. */
  waitMs: number;
  /**
   * Called when the lock was broken while held (the holder stalled past staleMs); another process
   * may then have run the same section. Default: withLock rejects once `fn` has settled.
   */
  onCompromised?: (err: Error) => void;
}

const DEFAULTS: LockOptions = { staleMs: 2000, waitMs: 10_000 };
/** Back-off between attempts: 1, 2, 4 ... ms, then every MAX_BACKOFF_MS, as sections are short. */
const MAX_BACKOFF_MS = 50;
const RAMP = 6; // attempts before the back-off reaches its cap (1 + 2 + ... + 32 ms)

/** Run `fn` holding the lock `lockfilePath` (a path of our own; its parent must exist). */
export async function withLock<T>(lockfilePath: string, fn: () => T | Promise<T>, opts: Partial<LockOptions> = {}): Promise<T> {
  const o: LockOptions = { ...DEFAULTS, ...opts };
  // Loaded on first use: most commands never lock, and it brings graceful-fs and signal-exit.
  const { default: lockfile } = await import('proper-lockfile');
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lockfilePath, {
      lockfilePath,
      realpath: false, // the lock path itself is the key: the file it guards may not exist
      stale: o.staleMs,
      retries: { retries: RAMP + Math.ceil(o.waitMs / MAX_BACKOFF_MS), factor: 2, minTimeout: 1, maxTimeout: MAX_BACKOFF_MS },
      onCompromised: (err) => {
        lost = err;
        o.onCompromised?.(err);
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw fail('timeout', `${lockfilePath} is still held by another process after ${o.waitMs} ms`, err);
    throw err;
  }
  let result: T;
  try {
    result = await fn();
  } finally {
    // A failed release (the lock already broken, or not removable) leaves at worst a lock that
    // goes stale within staleMs; it does not undo what fn did.
    await release().catch(() => undefined);
  }
  if (lost && !o.onCompromised) throw fail('failed', `lost the lock ${lockfilePath} while holding it (${lost.message}): another process may have run the same section`, lost);
  return result;
}
