/**
 * The moves of an agent task (a task with AGENT=<name>) as pure decisions, beside lifecycle.ts:
 * an agent turn ends by the agent's report (`tmux-orc done`), by settling on idle, by a timeout or
 * cancel (lifecycle.ts), or it could not be delivered. No fs here.
 */
import type { Fields } from '../persist/codec.js';
import { backoffDelay, type Move } from './lifecycle.js';
import type { Task } from './task.js';
import { iso } from '../time.js';
import { last } from '../persist/codec.js';

/** The key naming the agent a task is for. */
export const AGENT_KEY = 'AGENT';
/** Settle as done once the agent, after being busy, stayed idle this long (a duration). */
export const DONE_ON_IDLE_KEY = 'DONE_ON_IDLE';

/** The agent a task is for, or undefined for a shell task. */
export const agentOf = (task: Pick<Task, 'fields'>): string | undefined => last(task.fields, AGENT_KEY);

/** Notes are one line, and short: they are shown in listings. */
export function cleanNote(note: string): string {
  return note.replace(/\s*[\r\n]+\s*/g, ' ').trim().slice(0, 1000);
}

/**
 * The agent reported its turn: done, or failed (`--fail`, retried like a failed run while the
 * task has retries left). The note is kept as NOTE.
 */
export function reported(task: Task, ok: boolean, note: string, now: number, how = 'reported'): Move {
  const end: Fields = [['FINISHED', iso(now)]];
  if (note !== '') end.push(['NOTE', cleanNote(note)]);
  if (ok) return { to: 'done', append: [...end, ['STATUS', 'done']] };
  const reason = `${how} failed${note ? `: ${cleanNote(note).slice(0, 200)}` : ''}`;
  return retryOrFail(task, end, 'failed', reason, now);
}

/** The task could not be delivered (the agent's input could not be confirmed): retried with backoff, or failed. */
export function undelivered(task: Task, why: string, now: number): Move {
  return retryOrFail(task, [['FINISHED', iso(now)]], 'failed', `undelivered: ${why}`, now);
}

function retryOrFail(task: Task, end: Fields, status: string, reason: string, now: number): Move {
  if (task.attempt > task.retries) return { to: 'failed', append: [...end, ['STATUS', status], ['REASON', reason]] };
  const due = now + backoffDelay(task);
  return {
    to: 'queue',
    append: [...end, ['STATUS', status], ['REASON', `${reason}; retry ${task.attempt}/${task.retries} at ${iso(due)}`], ['ATTEMPT', String(task.attempt + 1)], ['DUE', iso(due)]],
  };
}

/** A record appended to a held task without moving it (DELIVERED once the agent took the text). */
export function note(key: string, value: string): Move {
  return { to: 'running', append: [[key, value]] };
}
