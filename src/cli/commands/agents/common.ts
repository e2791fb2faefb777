/** What the agent commands share: the resolved tree, status timing options, small formatters. */
import type { Argv } from 'yargs';
import { fail, type OrcError } from '../../../errors.js';
import { existingRoot } from '../../../root.js';
import { DEFAULT_STATUS_TIMING, type StatusTiming } from '../../../agents/status.js';
import { formatAge, parseDuration } from '../../../time.js';

/** The task tree root, resolved the one documented way (README "Finding the tree"); it must exist (exit 3). */
export const rootOf = (argv: { root?: string }): string => existingRoot({ root: argv.root }).root;

/** The tree root when there is one here (a host that only reaches the backend has none). */
export function rootIfAny(argv: { root?: string }): string | undefined {
  try {
    return rootOf(argv);
  } catch (err) {
    if ((err as OrcError).code === 'not-found') return undefined;
    throw err;
  }
}

/** A duration option, or a usage error naming it. */
export function durationOpt(name: string, text: string | undefined, fallbackMs: number, unit: 's' | 'm' = 's'): number {
  if (text === undefined) return fallbackMs;
  try {
    return parseDuration(String(text), unit);
  } catch {
    throw fail('usage', `--${name} ${JSON.stringify(text)} is not a duration (try 5s, 2m)`);
  }
}

/** Options that tune status detection. */
export interface TimingArgs {
  quiet?: string;
  debounce?: string;
}

export function timingOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('quiet', { type: 'string', describe: `idle once the screen is unchanged this long (default ${DEFAULT_STATUS_TIMING.quietMs / 1000}s)` })
    .option('debounce', { type: 'string', describe: `a new state is reported once it held this long (default ${DEFAULT_STATUS_TIMING.debounceMs / 1000}s)` });
}

export function timingFrom(argv: TimingArgs): StatusTiming {
  return {
    ...DEFAULT_STATUS_TIMING,
    quietMs: durationOpt('quiet', argv.quiet, DEFAULT_STATUS_TIMING.quietMs),
    debounceMs: durationOpt('debounce', argv.debounce, DEFAULT_STATUS_TIMING.debounceMs),
  };
}

/** `4m12s ago` from an ISO time, '-' when unknown. */
export const ago = (iso: string | undefined): string => (iso ? `${formatAge(Date.now() - Date.parse(iso))} ago` : '-');

/** Read a message given as `-` from stdin. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
