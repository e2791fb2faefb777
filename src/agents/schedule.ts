/**
 * Check-ins and recurring work as tasks of the queue: a schedule is a delayed task labelled
 * `checkin` whose command runs this CLI by absolute path (`send TARGET NOTE`, `git-snapshot DIR`).
 * The tree is the only state, so a schedule survives a tmux server restart and a reboot; with
 * `EVERY`, the worker re-queues the same task (same ID) at the next period after it ran, so an
 * overdue check-in fires once after downtime, not once per missed period.
 */
import type { CancelOutcome } from '../queue/cancel.js';
import { treeStore } from '../queue/store.js';
import { last } from '../persist/codec.js';
import { ensureTree, tree } from '../queue/tree.js';
import { fail } from '../errors.js';
import { selfCommand } from '../self.js';
import { formatDuration, parseDuration, parseTime, unitProblem } from '../time.js';
import { CHECKIN_LABEL } from './scheduler.js';

/** A send to a dead target must not hang a scheduler: each firing gets this long. */
const FIRE_TIMEOUT_MS = 120_000;

/**
 * When a schedule first fires: a duration is from now (`90s`, `30m`, `1h30m`), else a time
 * (`14:30`, ISO 8601, `@epoch`).
 */
export function parseWhen(text: string, now = Date.now()): number {
  const t = text.trim();
  const bare = unitProblem(t);
  if (bare) throw fail('usage', `WHEN ${bare}`);
  try {
    if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return now + parseDuration(t);
    return parseTime(t, now);
  } catch {
    throw fail('usage', `WHEN ${JSON.stringify(text)} is not a delay or a time (try 30m, 2h, 14:30 or 2026-01-31T09:00:00Z)`);
  }
}

/** `--every`: a duration with a unit, longer than zero. */
export function parseEvery(text: string): number {
  const bare = unitProblem(text);
  if (bare) throw fail('usage', `--every ${bare}`);
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw fail('usage', `--every ${JSON.stringify(text)} is not a duration (try 30m, 2h, 1d)`);
  }
  if (ms <= 0) throw fail('usage', `--every must be longer than zero (got ${JSON.stringify(text)})`);
  return ms;
}

/** What to arm. */
export interface ScheduleSpec {
  /** First firing, epoch ms. */
  at: number;
  everyMs?: number;
  /** `checkin` (a message) or `snapshot` (a git commit). */
  kind: 'checkin' | 'snapshot';
  /** Agent name or tmux target (check-in), or directory (snapshot). */
  target: string;
  note: string;
  /** argv of this CLI to run when due. */
  args: string[];
  /** Extra environment for the firing (socket, tree). */
  env?: string[];
  /** A fixed ID (team deploy, so arming twice is a no-op); generated when absent. */
  id?: string;
}

/** Retries of a failed firing (2 s, 4 s, … about two minutes in all) before waiting for the next period. */
const FIRE_RETRIES = 6;
const FIRE_BACKOFF_MS = 2000;

/** Arm a schedule; returns its task ID. */
export async function armSchedule(root: string, s: ScheduleSpec): Promise<string> {
  const t = tree(root);
  ensureTree(t);
  return treeStore(t).enqueue({
    id: s.id,
    cmd: selfCommand(...s.args),
    env: [`TASK_ROOT=${root}`, ...(s.env ?? [])],
    at: s.at,
    everyMs: s.everyMs,
    label: CHECKIN_LABEL,
    timeoutMs: FIRE_TIMEOUT_MS,
    // A target that is down when a check-in fires (mid-restart) gets it a little later, not a period later.
    retries: FIRE_RETRIES,
    backoffMs: FIRE_BACKOFF_MS,
    extra: [['SCHEDULE_KIND', s.kind], ['SCHEDULE_TARGET', s.target], ['SCHEDULE_NOTE', s.note]],
  });
}

/** A check-in message: `send TARGET NOTE --from check-in`, on the target's socket. */
export function checkinArgs(target: string, note: string): string[] {
  // Options before the text, and -- before it: a note starting with - is still the message.
  return ['send', '--from', 'check-in', target, '--', note];
}

/** One row of `schedule list`. */
export interface ScheduleRow {
  id: string;
  kind: string;
  target: string;
  note: string;
  /** Next firing, ISO time. */
  due: string;
  every?: string;
  state: 'queued' | 'running';
  /** Times it has fired (recurring ones). */
  runs: number;
}

/** Armed schedules (queued or firing now), soonest first. */
export async function listSchedules(root: string): Promise<ScheduleRow[]> {
  const store = treeStore(tree(root));
  const rows: ScheduleRow[] = [];
  for (const dir of ['queue', 'running'] as const) {
    for (const task of await store.tasks(dir)) {
      if (task.label !== CHECKIN_LABEL) continue;
      const r = { task };
      const f = r.task.fields;
      rows.push({
        id: r.task.id,
        kind: last(f, 'SCHEDULE_KIND') ?? 'task',
        target: last(f, 'SCHEDULE_TARGET') ?? '',
        note: last(f, 'SCHEDULE_NOTE') ?? r.task.cmd,
        due: new Date(r.task.due || r.task.enqueuedAt || 0).toISOString(),
        every: r.task.everyMs ? formatDuration(r.task.everyMs) : undefined,
        state: dir === 'queue' ? 'queued' : 'running',
        runs: Number(last(f, 'RUNS') ?? 0),
      });
    }
  }
  return rows.sort((a, b) => a.due.localeCompare(b.due));
}

/** Cancel a schedule by ID (a recurring one stops for good). Refuses IDs of ordinary tasks. */
export async function cancelSchedule(root: string, id: string): Promise<CancelOutcome> {
  const store = treeStore(tree(root));
  const f = await store.get(id);
  if (!f) throw fail('not-found', `no schedule ${id} (tmux-orc schedule list shows them)`);
  if (f.task && f.task.label !== CHECKIN_LABEL) throw fail('conflict', `task ${id} is not a schedule (its label is ${f.task.label ?? 'none'}); use tasks-cancel`);
  return store.cancel(id);
}
