/**
 * The one live status line of long waits (`--wait`, `tasks-stop --wait`, `tasks-tail -f` of a
 * queued task, a big `--stdin`, `init` of many panes): on a terminal, one line on stderr saying
 * what is left and for how long it has waited (a bar where the total is known), rewritten in
 * place with `\r` and erased at the end. On a pipe, a file or with `--json` it draws nothing.
 */
import { isatty } from 'node:tty';

/** The part of a stream the line needs; a fake one in tests. */
export interface StatusStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Where to draw (default: stderr). Nothing is drawn unless it is a terminal. */
  stream?: StatusStream;
  /** False to stay silent anyway (`--json`). */
  enabled?: boolean;
  /** The clock, for tests. */
  now?: () => number;
  /** Redraw at least this often, so the elapsed time moves while nothing else does (0: never). */
  tickMs?: number;
  /** Draw at most this often; an update in between is kept for the next draw. */
  minGapMs?: number;
  /** Draw nothing until this long after the start: a short wait needs no line (default 250 ms). */
  delayMs?: number;
}

export interface Progress {
  /** What the line says now; with `done` and `total`, a bar too. */
  update(text: string, done?: number, total?: number): void;
  /** A whole line (a notice, an outcome) printed above the status line, which is kept. */
  say(line: string): void;
  /** Erase the line and stop redrawing (a later update draws it again); idempotent. */
  clear(): void;
}

const ERASE = '\r\x1b[K';
const BAR = 20;

/** `[#######-------------] 35/100`. */
export function bar(done: number, total: number, width = BAR): string {
  const filled = total > 0 ? Math.min(width, Math.floor((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

/** `5s`, `1m05s`: how long it has waited. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The status line's text, cut to the terminal's width. */
export function statusText(text: string, ms: number, cols: number, done?: number, total?: number): string {
  const line = `${text}${total !== undefined ? ` ${bar(done ?? 0, total)}` : ''} · ${elapsed(ms)}`;
  return line.length >= cols ? `${line.slice(0, Math.max(cols - 2, 0))}…` : line;
}

/** A status line on `opts.stream` (stderr); silent unless that is a terminal. */
export function progress(opts: ProgressOptions = {}): Progress {
  // process.stderr is made only on a terminal: creating the stream costs a few ms of start-up.
  const tty = opts.stream ? opts.stream.isTTY === true : isatty(2);
  const on = opts.enabled !== false && tty && process.env.TERM !== 'dumb';
  const out: StatusStream = opts.stream ?? (on ? process.stderr : { write: (t: string) => process.stderr.write(t) });
  const now = opts.now ?? Date.now;
  const started = now();
  const tickMs = opts.tickMs ?? 1000;
  let state: { text: string; done?: number; total?: number } | undefined;
  let shown = false;
  let lastDraw = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    if (!state || now() - started < (opts.delayMs ?? 250)) return;
    lastDraw = now();
    out.write(`${ERASE}${statusText(state.text, lastDraw - started, out.columns || 80, state.done, state.total)}`);
    // The process ending while the line shows (an error, process.exit): leave no half line behind.
    if (!shown) process.once('exit', erase);
    shown = true;
  };
  const erase = () => {
    if (!shown) return;
    out.write(ERASE);
    shown = false;
    process.off('exit', erase);
  };
  return {
    update(text, done, total) {
      if (!on) return;
      state = { text, done, total };
      if (now() - lastDraw >= (opts.minGapMs ?? 100) || (total !== undefined && done === total)) draw();
      if (!timer && tickMs > 0) {
        timer = setInterval(draw, tickMs);
        timer.unref();
      }
    },
    say(line) {
      erase();
      out.write(`${line}\n`);
      if (on) draw();
    },
    clear() {
      erase();
      state = undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
