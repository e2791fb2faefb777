/** Durations and points in time as the CLI and the task file write them. Pure. */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const NUMBER = /^\d+(?:\.\d+)?$/;
const COMPOUND = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** The longest duration anything takes (timeouts, delays, periods, waits): 365 days (README "Durations"). */
export const MAX_DURATION_MS = 365 * UNITS.d;

/**
 * `90`, `90s`, `1.5m`, `2h`, `1h30m`, `250ms`, `1d` → milliseconds. A bare number is `unit`
 * (seconds by default). Throws for anything else, negative, or longer than MAX_DURATION_MS.
 */
export function parseDuration(text: string, unit: keyof typeof UNITS = 's'): number {
  const t = text.trim();
  let ms: number;
  if (NUMBER.test(t)) ms = Number(t) * UNITS[unit];
  else if (COMPOUND.test(t)) ms = [...t.matchAll(PART)].reduce((sum, m) => sum + Number(m[1]) * UNITS[m[2]], 0);
  else if (/^-\s*\d/.test(t)) throw new Error(`a duration cannot be negative: ${JSON.stringify(text)} (try 30s, 10m, 1h30m)`);
  else throw new Error(`not a duration: ${JSON.stringify(text)} (try 30s, 10m, 1h30m)`);
  if (!(ms <= MAX_DURATION_MS)) throw new Error(`${JSON.stringify(text)} is longer than the maximum of 365d`);
  return Math.round(ms);
}

/**
 * A bare number is refused in schedules (WHEN, `--every`, a team spec's `every:` and `at:`): it
 * meant minutes here and means seconds in every other duration (`--timeout 5`), so rather than
 * change what `schedule 30` does, it asks for the unit (README "Durations"). Zero is left to the
 * "longer than zero" check, whatever its unit.
 */
export function unitProblem(text: string): string | undefined {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t) || Number(t) === 0) return undefined;
  return `${JSON.stringify(text)} has no unit: give a unit, e.g. ${t}m (minutes) or ${t}s`;
}

/** The shortest exact spelling: 90000 → `90s`, 600000 → `10m`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const [u, f] of [['d', UNITS.d], ['h', UNITS.h], ['m', UNITS.m], ['s', UNITS.s]] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${u}`;
  }
  return `${ms}ms`;
}

/** A human-friendly age: `3s`, `4m12s`, `2h5m`, `3d4h`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * A point in time: an ISO 8601 date-time, `HH:MM[:SS]` (today, or tomorrow if that has passed,
 * local time), or `@<epoch seconds>`. Returns epoch milliseconds.
 */
export function parseTime(text: string, now = Date.now()): number {
  const t = text.trim();
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) throw new Error(`not a time of day: ${JSON.stringify(text)}`);
    const d = new Date(now);
    d.setHours(h, m, s, 0);
    if (d.getTime() <= now) d.setDate(d.getDate() + 1);
    return d.getTime();
  }
  if (/^@\d+(\.\d+)?$/.test(t)) return Math.round(Number(t.slice(1)) * 1000);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new Error(`not a time: ${JSON.stringify(text)} (try 2026-01-31T09:00:00Z, 14:30 or @1767225600)`);
}

export const iso = (ms: number): string => new Date(ms).toISOString();
