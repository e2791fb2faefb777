/** Sizes as settings write them, and the settings long-running processes read from the environment. Pure but for the environment. */
import { fail } from '../errors.js';
import { parseDuration } from '../time.js';

/** `64MiB`, `512k`, `1g`, `1048576` (bytes): binary units, case-insensitive, an optional `B`/`iB`. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${JSON.stringify(text)} (try 64MiB, 512k, 1g or a number of bytes)`);
  const n = Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2].toLowerCase() || ' ');
  return Math.round(n);
}

/** The shortest exact spelling of a size: 67108864 → `64MiB`. */
export function formatSize(n: number): string {
  for (const [u, f] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= f && n % f === 0) return `${n / f}${u}`;
  return String(n);
}


/** Defaults of the settings the worker reads (src/config/settings.ts has the table). */
export const TASK_LOG_MAX_DEFAULT = 64 * 1024 * 1024;
export const TASK_LOG_MAX_MIN = 64 * 1024;

/**
 * A size setting read from its environment variable (put there by the user or by the config
 * file, src/config/resolve.ts); the default when unset; OrcError('usage') naming the variable.
 */
export function sizeFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let n: number;
  try {
    n = parseSize(raw);
  } catch (err) {
    throw fail('usage', `${name}: ${(err as Error).message}`);
  }
  if (n < min) throw fail('usage', `${name}: must be at least ${formatSize(min)}, got ${JSON.stringify(raw)}`);
  return n;
}

/** A duration setting from its variable (`2s`, `500ms`; a bare number is seconds). */
export function durationFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    return parseDuration(raw);
  } catch (err) {
    throw fail('usage', `${name}: ${(err as Error).message}`);
  }
}
