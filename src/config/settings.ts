/**
 * The table of settings: each one's key in a config file, the environment variable that
 * overrides it, its default and its schema. Everything else about settings (finding the file,
 * precedence, `tmux-orc config`) works from this table. Pure.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from '../time.js';
import { formatSize, parseSize } from './size.js';

export { formatSize, parseSize };

// Values come as YAML scalars (strings, numbers, booleans) or environment strings.
const text = z.union([z.string(), z.number()]).transform(String);
const name = (what: string) => text.pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, `${what} must match [A-Za-z0-9_-]+ (tmux reserves . and :)`));
const whole = (min: number, max: number) =>
  text.pipe(z.string().regex(/^\d+$/, 'must be a whole number')).transform(Number).pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const onOff = (...words: string[]) =>
  z.union([z.boolean().transform((b) => (b ? 'on' : 'off')), text]).pipe(z.enum(words as [string, ...string[]], { error: `must be ${words.slice(0, -1).join(', ')} or ${words.at(-1)}` }));
const from = <T>(parse: (s: string) => T, check: (v: T) => string | undefined) =>
  text.transform((s, ctx) => {
    try {
      const v = parse(s);
      const bad = check(v);
      if (bad) ctx.addIssue({ code: 'custom', message: bad });
      return v;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
const size = (min: number) => from(parseSize, (n) => (n < min ? `must be at least ${formatSize(min)}` : undefined));
const duration = (minMs: number) => from((s) => parseDuration(s), (ms) => (ms < minMs ? `must be at least ${minMs}ms` : undefined));
/** A duration whose environment variable holds milliseconds (`TMUX_ORC_LEASE_MS`). */
const ms = (minMs: number) => from((s) => (/^\d+$/.test(s.trim()) ? Number(s) : parseDuration(s)), (v) => (v < minMs ? `must be at least ${minMs}ms` : undefined));

/** One setting. */
export interface Setting {
  key: string;
  /** The environment variable that overrides the file. */
  env: string;
  /** The default, as it would be written in the file. */
  default: string;
  /** Validates a file or environment value and gives its canonical form. */
  schema: z.ZodType<unknown, unknown>;
  /** What it sets, one line (`tmux-orc config` prints it). */
  describe: string;
  /** For a file value: the environment string it becomes (durations in ms where the variable takes ms). */
  toEnv?: (v: unknown) => string;
  /** A path, resolved against the config file's directory when relative. */
  path?: boolean;
  /** How its canonical value is shown: bytes as a size, milliseconds as a duration. */
  kind?: 'size' | 'duration';
  /** Which feature reads it, when that is not on every branch yet (`serve`). */
  note?: string;
}

export const SETTINGS: readonly Setting[] = [
  { key: 'socket', env: 'TMUX_SOCKET', default: 'claude', schema: text.pipe(z.string().regex(/^[A-Za-z0-9._-]+$/, 'must match [A-Za-z0-9._-]+')), describe: 'tmux server socket name (tmux -L)' },
  { key: 'session', env: 'TMUX_SESSION', default: 'agents', schema: name('a session name'), describe: 'tmux session' },
  { key: 'master_window', env: 'MASTER_WINDOW', default: 'master', schema: name('a window name'), describe: 'the master window' },
  { key: 'workers_window', env: 'WORKERS_WINDOW', default: 'workers', schema: name('a window name'), describe: 'the workers window' },
  { key: 'workers', env: 'WORKERS', default: '4', schema: whole(1, 256), describe: 'worker panes made by init' },
  { key: 'history_limit', env: 'TMUX_HISTORY_LIMIT', default: '50000', schema: whole(0, 100_000_000), describe: 'scrollback lines per pane' },
  { key: 'remain_on_exit', env: 'TMUX_REMAIN_ON_EXIT', default: 'on', schema: onOff('on', 'off', 'failed'), describe: 'keep a pane whose program exited' },
  { key: 'allow_rename', env: 'TMUX_ALLOW_RENAME', default: 'off', schema: onOff('on', 'off'), describe: 'let programs rename windows' },
  { key: 'worker_layout', env: 'WORKER_LAYOUT', default: 'tiled', schema: text.pipe(z.string().regex(/^(tiled|even-horizontal|even-vertical|main-horizontal|main-vertical|[0-9a-f]{4},\S+)$/, 'must be tiled, even-horizontal, even-vertical, main-horizontal, main-vertical or a tmux layout string')), describe: 'tmux layout of the workers window' },
  { key: 'base_index', env: 'TMUX_BASE_INDEX', default: '1', schema: whole(0, 999), describe: 'first window index' },
  { key: 'pane_base_index', env: 'TMUX_PANE_BASE_INDEX', default: '1', schema: whole(0, 999), describe: 'first pane index' },
  { key: 'task_root', env: 'TASK_ROOT', default: '', schema: text, path: true, describe: 'the task tree (empty: found as README "Finding the tree" says)' },
  { key: 'task_log_max', kind: 'size', env: 'TMUX_ORC_TASK_LOG_MAX', default: '64MiB', schema: size(64 * 1024), describe: "cap on each task's .out and .err log: head and tail kept, the middle dropped" },
  { key: 'pane_log_max', kind: 'size', env: 'TMUX_ORC_PANE_LOG_MAX', default: '16MiB', schema: size(4096), describe: 'a pane or agent log rotates at this size' },
  { key: 'pane_log_keep', env: 'TMUX_ORC_PANE_LOG_KEEP', default: '5', schema: whole(1, 1000), describe: 'rotated pane logs kept (.1 … .N)' },
  { key: 'rescan', kind: 'duration', env: 'TMUX_ORC_RESCAN', default: '2s', schema: duration(50), describe: 'how often a worker re-reads queue/ (0.5s with --poll unless set)' },
  { key: 'stale_check', kind: 'duration', env: 'TMUX_ORC_STALE_CHECK_MS', default: '10s', schema: ms(100), toEnv: String, describe: 'how often a worker looks for abandoned runs' },
  { key: 'lease', kind: 'duration', env: 'TMUX_ORC_LEASE_MS', default: '60s', schema: ms(1000), toEnv: String, describe: "a running task's lease across hosts" },
  { key: 'log_format', env: 'TMUX_ORC_LOG_FORMAT', default: 'text', schema: text.pipe(z.enum(['text', 'json'], { error: 'must be text or json' })), describe: "workers' and the scheduler's lines: readable text or one JSON object per event" },
  { key: 'serve_port', env: 'TMUX_ORC_SERVE_PORT', default: '7777', schema: whole(0, 65535), describe: 'port of tmux-orc serve (its --port wins)' },
  { key: 'backend', env: 'TASK_BACKEND', default: '', schema: text.pipe(z.string().regex(/^$|^rediss?:\/\//, 'must be empty (the tree) or a redis:// or rediss:// URL')), describe: 'keep tasks in Redis instead of the tree (README "Backends")' },
];

export const SETTING: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.key, s]));

/** A canonical value as a person writes it: `64MiB`, `2s`, `on`. */
export function showValue(s: Setting, v: unknown): string {
  if (s.kind === 'size') return formatSize(v as number);
  if (s.kind === 'duration') return formatDuration(v as number);
  return String(v);
}

/** The nearest key to a typo (`worker` → `workers`), or undefined. */
export function nearestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const s of SETTINGS) {
    const d = distance(key.toLowerCase(), s.key);
    if (d < bestD) [best, bestD] = [s.key, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
