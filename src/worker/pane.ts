/**
 * The worker's lines in its pane. Lines that come together (a task's end and the next one's
 * start) go out in one write: one wake-up of whatever shows the pane, not two. A start line is
 * written at once, before the task's own output. Each line starts with the time (UTC, HH:MM:SS)
 * for whoever watches the pane; a pane log drops it for its own full stamp (src/session/logs.ts).
 */
import { iso } from '../time.js';
import { formatEvent, type Level, type LogFormat } from '../log/logger.js';

/** A line for the pane; `now`: written at once, with any lines waiting. */
export type Say = (line: string, now?: boolean) => void;

export interface PaneWriter {
  say: Say;
  /** Write what waits now. */
  flush: () => void;
  /** A line as `say` would write it (for the launcher to write at the right moment). */
  line: (text: string) => string;
}

/**
 * A worker line as one JSON event (`--log-format json`): the task it is about and its level are
 * read from the line's fixed shapes (`start ID …`, `done ID: …`, `lost ID: …`, `could not …`).
 */
export function workerEvent(text: string, worker: string, now: number, component = 'worker'): string {
  const id = '([A-Za-z0-9][A-Za-z0-9._-]*)';
  const m = new RegExp(`^(?:start|done|failed|timeout|cancelled|interrupted|stale|lost|recovered|requeued \\([^)]*\\)) ${id}`).exec(text)
    ?? new RegExp(`(?:cancelling|finishing|settle) ${id}`).exec(text) ?? new RegExp(`^${id}: .*; requeueing it$`).exec(text);
  const level: Level = /^(error|recovery failed|could not)/.test(text) ? 'error'
    : /^(lost|no space|failed|timeout|stale|interrupted)/.test(text) ? 'warn' : 'info';
  return formatEvent('json', now, level, component, text, { task: m?.[1], worker });
}

export function paneWriter(out: NodeJS.WritableStream, worker: () => string, clock: () => number = Date.now, format: LogFormat = 'text', component = 'worker'): PaneWriter {
  let pending = '';
  let later: NodeJS.Immediate | undefined;
  const flush = () => {
    clearImmediate(later);
    later = undefined;
    if (pending) out.write(pending);
    pending = '';
  };
  const line = (text: string) => (format === 'json' ? workerEvent(text, worker(), clock(), component) : `${iso(clock()).slice(11, 19)} worker-${worker()} ${text}\n`);
  const say: Say = (text, now = false) => {
    pending += line(text);
    if (now) flush();
    else later ??= setImmediate(flush);
  };
  return { say, flush, line };
}

/** A command for a pane line: one line, at most 120 characters. */
export function oneLine(cmd: string): string {
  const s = cmd.replace(/\s*\n\s*/g, ' ⏎ ');
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}
