/**
 * Logs of long-running processes (workers, the scheduler, `serve`): readable lines by default,
 * or one JSON object per event (`--log-format json`, `log_format: json`, TMUX_ORC_LOG_FORMAT) with
 * `time` (ISO 8601 UTC), `level`, `component`, `task` when there is one, `message`, and any other
 * fields given. The serve branch can use createLogger as is: `createLogger({ component: 'serve' })`.
 */
import { fail } from '../errors.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

/** Fields of one event beyond time, level, component and message. */
export interface EventFields {
  task?: string;
  [key: string]: unknown;
}

export interface Logger {
  log(level: Level, message: string, fields?: EventFields): void;
  info(message: string, fields?: EventFields): void;
  warn(message: string, fields?: EventFields): void;
  error(message: string, fields?: EventFields): void;
  /** A logger adding these fields to every event (a worker's id, a request's). */
  child(fields: EventFields): Logger;
}

export interface LoggerOptions {
  component: string;
  /** Default: logFormat(process.env). */
  format?: LogFormat;
  /** Where a finished line goes (default: stderr). */
  write?: (line: string) => void;
  clock?: () => number;
  fields?: EventFields;
}

/** The format from TMUX_ORC_LOG_FORMAT (a config file's log_format arrives there); OrcError('usage') for another word. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, flag?: string): LogFormat {
  const v = flag ?? env.TMUX_ORC_LOG_FORMAT;
  if (v === undefined || v === '' || v === 'text') return 'text';
  if (v === 'json') return 'json';
  throw fail('usage', `${flag !== undefined ? '--log-format' : 'TMUX_ORC_LOG_FORMAT'} must be text or json, got ${JSON.stringify(v)}`);
}

/** One event as a line: JSON, or `HH:MM:SS component message` with `key=value` fields after it. */
export function formatEvent(format: LogFormat, now: number, level: Level, component: string, message: string, fields: EventFields = {}): string {
  if (format === 'json') {
    const { task, ...rest } = fields;
    return `${JSON.stringify({ time: new Date(now).toISOString(), level, component, ...(task !== undefined ? { task } : {}), message, ...rest })}\n`;
  }
  const extra = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('');
  return `${new Date(now).toISOString().slice(11, 19)} ${component}${level === 'info' ? '' : ` ${level}`} ${message}${extra}\n`;
}

export function createLogger(o: LoggerOptions): Logger {
  const format = o.format ?? logFormat();
  const write = o.write ?? ((line: string) => void process.stderr.write(line));
  const clock = o.clock ?? Date.now;
  const make = (base: EventFields): Logger => {
    const log = (level: Level, message: string, fields?: EventFields) => write(formatEvent(format, clock(), level, o.component, message, { ...base, ...fields }));
    return {
      log,
      info: (m, f) => log('info', m, f),
      warn: (m, f) => log('warn', m, f),
      error: (m, f) => log('error', m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(o.fields ?? {});
}
