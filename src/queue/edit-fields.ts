/** The field changes of `tasks-edit`, as a pure function of a task's fields (unit-tested with tables). */
import type { Fields } from '../persist/codec.js';
import { fail } from '../errors.js';
import { iso } from '../time.js';
import { PRIORITY_RANGE, RECORD_KEYS } from './task.js';
import { groupProblem } from './pause.js';

/** What `tasks-edit` changes; what is not given stays. */
export interface Edit {
  cmd?: string;
  priority?: number;
  /** `KEY=VALUE`: sets KEY, replacing its earlier value. */
  env?: string[];
  cwd?: string;
  label?: string;
  group?: string;
  /** Not before (epoch ms); replaces AT and any later DUE. */
  at?: number;
}

/**
 * The fields of a task with `e` applied: each changed key replaced where it first was (or added
 * before the run records), its other values dropped. Pure; throws OrcError('usage') for bad values.
 */
export function applyEdit(fields: Fields, e: Edit): Fields {
  const set = new Map<string, string | undefined>();
  if (e.cmd !== undefined) set.set('CMD', e.cmd);
  if (e.priority !== undefined) {
    if (!Number.isInteger(e.priority) || Math.abs(e.priority) > PRIORITY_RANGE) throw fail('usage', `--priority must be a whole number from -${PRIORITY_RANGE} to ${PRIORITY_RANGE}`);
    set.set('PRIORITY', e.priority === 0 ? undefined : String(e.priority));
  }
  if (e.cwd !== undefined) set.set('CWD', e.cwd);
  if (e.label !== undefined) set.set('LABEL', e.label);
  if (e.group !== undefined) {
    const bad = groupProblem(e.group);
    if (bad) throw fail('usage', bad);
    set.set('GROUP', e.group);
  }
  if (e.at !== undefined) {
    set.set('AT', iso(e.at));
    set.set('DUE', undefined);
  }
  const envKeys = new Set<string>();
  for (const kv of e.env ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(kv);
    if (!m) throw fail('usage', `--env ${JSON.stringify(kv)} is not NAME=value`);
    envKeys.add(m[1]);
  }
  const out: Fields = [];
  const placed = new Set<string>();
  const place = (key: string) => {
    if (placed.has(key)) return;
    placed.add(key);
    if (key === 'ENV') for (const kv of e.env ?? []) out.push(['ENV', kv]);
    else if (set.get(key) !== undefined) out.push([key, set.get(key)!]);
  };
  for (const [k, v] of fields) {
    if (set.has(k)) place(k);
    else if (k === 'ENV' && envKeys.has(v.slice(0, v.indexOf('=')))) place('ENV');
    else {
      // New keys go in before the first run record, with the spec.
      if (RECORD_KEYS.has(k)) for (const key of [...set.keys(), ...(envKeys.size ? ['ENV'] : [])]) if (key !== 'DUE') place(key);
      out.push([k, v]);
    }
  }
  for (const key of [...set.keys(), ...(envKeys.size ? ['ENV'] : [])]) if (key !== 'DUE') place(key);
  return out;
}
