/** Turning `tasks-enqueue` arguments into a task spec. Pure, so it is unit-tested with tables. */
import path from 'node:path';
import type { NewTask } from '../../../queue/enqueue.js';
import type { AssignRequest } from '../../../agents/assign.js';
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

/**
 * Options that an agent's turn cannot take: it is typed into the agent, which runs in its own
 * directory and environment, by the dispatcher (which gives turns from queue/ one at a time).
 */
const NOT_FOR_TURNS = [
  ['stdin', '--stdin'], ['every', '--every'], ['env', '--env'], ['cwd', '--cwd'], ['label', '--label'], ['afterAny', '--after-any'],
  ['hold', '--hold'], ['unique', '--unique'], ['onFinish', '--on-finish'], ['group', '--group'], ['lock', '--lock'],
] as const;

/**
 * `tasks-enqueue --agent` (and `POST /api/tasks` with `agent`): the words are the text of an
 * agent's turn; the queue options it can take become `assign`'s request, the others are refused.
 */
export function turnFromArgs(a: EnqueueArgs & { stdin?: boolean }, text: string, now: number): Omit<AssignRequest, 'agent'> {
  for (const [key, opt] of NOT_FOR_TURNS) {
    const given = a[key];
    if (given !== undefined && given !== false) throw fail('usage', `${opt} cannot be used with --agent (an agent's turn runs in the agent, in its directory)`);
  }
  if (text.trim() === '') throw fail('usage', 'empty task: give the text of the turn after --agent NAME');
  return turnOf(specFromArgs(a, text, '/', now), text);
}

/** An agent's turn from the spec its queue options make: one mapping for `assign`, `tasks-enqueue --agent`, the MCP tool and the server. */
export function turnOf(spec: NewTask, text: string, doneOnIdleMs?: number): Omit<AssignRequest, 'agent'> {
  return { text, id: spec.id, priority: spec.priority, after: spec.after, at: spec.at, timeoutMs: spec.timeoutMs, retries: spec.retries, backoffMs: spec.backoffMs, ...(doneOnIdleMs === undefined ? {} : { doneOnIdleMs }) };
}
