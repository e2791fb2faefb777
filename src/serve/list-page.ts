/** One page of `GET /api/tasks` from the index: filters, order and an opaque cursor. */
import type { z } from 'zod';
import type { Dir } from '../queue/lifecycle.js';
import { STATE_DIRS } from '../queue/tree.js';
import { fail } from '../errors.js';
import { rowsFor } from '../queue/list-rows.js';
import { pausedFor, pausedNow, type Paused } from '../queue/pause.js';
import type { TaskIndex } from './task-index.js';
import { cursorOf, nameOf, parseCursor, type Entry, type Row } from './task-entry.js';
import type { ListQuery } from './schemas.js';

/** A row as the API shows it (no file path: the tree's layout is not the API's). */
export type RowView = Row;

export interface Page {
  tasks: RowView[];
  next?: string;
  counts: Record<Dir, number>;
}

/**
 * The row of an entry, read from its file now (a page is a few files); when the file moved on
 * meanwhile, the entry as the index last saw it.
 */
export function view(index: TaskIndex, e: Entry, now: number, paused?: Paused): RowView {
  const [row] = rowsFor(index.t, { dir: e.state, names: [nameOf(e)] }, now);
  if (row) {
    const { file: _file, ...rest } = row;
    // As tasks-list shows it (the tree's store): a ready task of a paused queue or group is paused.
    const status = rest.state === 'queue' && rest.status === 'ready' && pausedFor(paused, rest.group) ? 'paused' : rest.status;
    return { ...rest, status, ageMs: Math.max(0, rest.ageMs) };
  }
  return { id: e.id, state: e.state, status: e.status, attempt: e.attempt, label: e.label, agent: e.agent, priority: e.priority, ageMs: e.clockMs === undefined ? 0 : Math.max(0, now - e.clockMs), cmd: e.cmd };
}

export function page(index: TaskIndex, q: z.infer<typeof ListQuery>, now = Date.now()): Page {
  const limit = q.limit ?? 50;
  const states = !q.state || q.state === 'all' ? STATE_DIRS : [q.state];
  const needle = q.q?.toLowerCase();
  const statuses = q.status === undefined ? undefined : new Set(q.status.split(','));
  const keep = (e: Entry): boolean => {
    const r = e;
    if (!states.includes(r.state)) return false;
    if (q.label !== undefined && r.label !== q.label) return false;
    if (q.agent !== undefined && r.agent !== q.agent) return false;
    if (statuses && !statuses.has(r.status)) return false;
    if (needle === undefined) return true;
    return r.id.toLowerCase().includes(needle) || (r.label?.toLowerCase().includes(needle) ?? false) || r.cmd.toLowerCase().includes(needle);
  };
  const tasks: RowView[] = [];
  const paused = pausedNow(index.t);
  let next: string | undefined;
  const take = (e: Entry, cursor: string): boolean => {
    if (!keep(e)) return true;
    if (tasks.length === limit) {
      next = cursor;
      return false;
    }
    tasks.push(view(index, e, now, paused));
    lastCursor = cursor;
    return true;
  };
  let lastCursor = '';
  if ((q.order ?? 'newest') === 'newest') {
    const after = cursorPart(q.cursor, 'n');
    const from = after && parseCursor(after[0]);
    if (after && !from) throw fail('usage', `cursor ${JSON.stringify(q.cursor)} is not one this server gave`);
    for (const e of index.newest(from)) if (!take(e, `n:${cursorOf(e)}`)) break;
  } else {
    const after = cursorPart(q.cursor, 'd');
    const from = after ? STATE_DIRS.indexOf(after[0] as Dir) : 0;
    if (from < 0) throw fail('usage', `cursor ${JSON.stringify(q.cursor)} is not one this server gave`);
    outer: for (const d of STATE_DIRS.slice(from)) {
      if (!states.includes(d)) continue;
      for (const e of index.dispatch(d, after && d === after[0] ? after[1] : undefined)) if (!take(e, `d:${d}:${nameOf(e)}`)) break outer;
    }
  }
  // `next` is the last row shown: the next page starts after it.
  return { tasks, next: next === undefined ? undefined : lastCursor, counts: counts(index) };
}

export function counts(index: TaskIndex): Record<Dir, number> {
  return Object.fromEntries(STATE_DIRS.map((d) => [d, index.count(d)])) as Record<Dir, number>;
}

function cursorPart(cursor: string | undefined, kind: 'n' | 'd'): string[] | undefined {
  if (cursor === undefined) return undefined;
  const parts = cursor.split(':');
  if (parts[0] !== kind || parts.length !== (kind === 'n' ? 2 : 3)) throw fail('usage', `cursor ${JSON.stringify(cursor)} is not one this server gave for this order`);
  return parts.slice(1);
}
