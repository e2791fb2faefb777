/** Turning `tasks-enqueue` arguments into a task spec. Pure, so it is unit-tested with tables. */
import path from 'node:path';
import type { NewTask } from '../../../queue/enqueue.js';
import { shellQuote } from '../../../self.js';
import { MAX_DURATION_MS, parseDuration, parseTime } from '../../../time.js';
import { fail } from '../../../errors.js';
import { gateNameProblem } from '../../../queue/task.js';

export interface EnqueueArgs {
  cwd?: string;
  id?: string;
  env?: string[];
  priority?: number;
  after?: string[];
  in?: string;
  at?: string;
  timeout?: string;
  retries?: number;
  backoff?: string;
  label?: string;
  every?: string;
  afterAny?: string[];
  hold?: boolean;
  unique?: string;
  onFinish?: string;
  group?: string;
  lock?: string;
}

/**
 * One word is a shell command line taken as is (`-- 'make && make test'`); several are quoted
 * and joined, so the task runs exactly the argv that was typed (`-- bash -lc 'echo $FOO'`).
 */
export function commandLine(words: string[]): string {
  return words.length === 1 ? words[0] : words.map(shellQuote).join(' ');
}

export function specFromArgs(a: EnqueueArgs, cmd: string, cwd: string, now: number): NewTask {
  if (a.in !== undefined && a.at !== undefined) throw fail('usage', 'give --in or --at, not both');
  const dur = (opt: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    try {
      return parseDuration(v);
    } catch (err) {
      throw fail('usage', `--${opt}: ${(err as Error).message}`);
    }
  };
  let at: number | undefined;
  if (a.in !== undefined) at = now + dur('in', a.in)!;
  if (a.at !== undefined) {
    try {
      at = parseTime(a.at, now);
    } catch (err) {
      throw fail('usage', `--at: ${(err as Error).message}`);
    }
    if (!(at <= now + MAX_DURATION_MS)) throw fail('usage', `--at ${JSON.stringify(a.at)} is more than the maximum of 365d away`);
  }
  const timeoutMs = dur('timeout', a.timeout);
  if (timeoutMs === 0) throw fail('usage', '--timeout must be longer than 0');
  const everyMs = dur('every', a.every);
  if (everyMs === 0) throw fail('usage', '--every must be longer than 0');
  if (a.retries !== undefined && (!Number.isInteger(a.retries) || a.retries < 0 || a.retries > 1000)) {
    throw fail('usage', '--retries must be a whole number from 0 to 1000');
  }
  if (a.priority !== undefined && !Number.isInteger(a.priority)) throw fail('usage', '--priority must be a whole number');
  if (a.label !== undefined && /[\n\r]/.test(a.label)) throw fail('usage', '--label must be one line');
  for (const k of ['group', 'lock'] as const) {
    const bad = a[k] === undefined ? undefined : gateNameProblem(k, String(a[k]));
    if (bad) throw fail('usage', `--${k}: ${bad}`);
  }
  return {
    id: a.id,
    cmd,
    cwd: path.resolve(cwd, a.cwd ?? '.'),
    env: a.env,
    priority: a.priority,
    after: a.after?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    at,
    timeoutMs,
    retries: a.retries,
    backoffMs: dur('backoff', a.backoff),
    label: a.label,
    everyMs,
    afterAny: a.afterAny?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    hold: a.hold,
    unique: a.unique,
    onFinish: a.onFinish,
    group: a.group,
    lock: a.lock,
  };
}
