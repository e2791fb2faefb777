/**
 * The tmux operations agents need, on one pane addressed by its immutable id (`%12`): look it up,
 * read its state and screen, leave copy mode, paste text as one bracketed paste, press Enter.
 * All of it goes through src/tmux/client.ts; targets are resolved to a pane id once, up front.
 */
import { randomBytes } from 'node:crypto';
import * as A from '../tmux/argv.js';
import { parseRows, type TmuxClient } from '../tmux/client.js';
import { OrcError } from '../errors.js';

/** What tmux says about a pane. */
export interface PaneInfo {
  pane: string;
  window: string;
  windowName: string;
  windowIndex: number;
  paneIndex: number;
  /** The active pane of its window. */
  active: boolean;
  session: string;
  dead: boolean;
  deadStatus?: number;
  deadSignal?: number;
  inMode: boolean;
  /** Last output in the pane's window, epoch ms (tmux has window_activity, no pane_activity). */
  activity: number;
  pid: number;
  currentCommand: string;
}

const FIELDS = [
  'pane_id',
  'window_id',
  'session_name',
  'pane_dead',
  'pane_dead_status',
  'pane_dead_signal',
  'pane_in_mode',
  'window_activity',
  'pane_pid',
  'pane_current_command',
  'window_index',
  'pane_index',
  'pane_active',
  'window_name',
] as const;

function toInfo(r: Record<(typeof FIELDS)[number], string>): PaneInfo {
  const num = (s: string) => (s === '' ? undefined : Number(s));
  return {
    pane: r.pane_id,
    window: r.window_id,
    windowName: r.window_name,
    windowIndex: Number(r.window_index),
    paneIndex: Number(r.pane_index),
    active: r.pane_active === '1',
    session: r.session_name,
    dead: r.pane_dead === '1',
    deadStatus: num(r.pane_dead_status),
    deadSignal: num(r.pane_dead_signal),
    inMode: r.pane_in_mode === '1',
    // tmux keeps whole seconds: take the end of that second, so quiet time is never overstated.
    activity: Math.min(Date.now(), Number(r.window_activity) * 1000 + 999),
    pid: Number(r.pane_pid),
    currentCommand: r.pane_current_command,
  };
}

/** A target as the user wrote it: `%12`, or `session:window[.pane]` (window by name or index). */
interface ParsedTarget {
  pane?: string;
  session?: string;
  window?: string;
  paneIndex?: string;
}

/** Parse a target; tmux's own lookup is not used because display-message falls back to the current pane. */
export function parseTarget(target: string): ParsedTarget | undefined {
  if (/^%\d+$/.test(target)) return { pane: target };
  const m = /^=?([^:]+):=?([^.]*)(?:\.(\d+))?$/.exec(target);
  if (!m) return undefined;
  return { session: m[1], window: m[2] === '' ? undefined : m[2], paneIndex: m[3] };
}

/** Does this pane match the parsed target? Exact names only, never prefixes. */
function matches(p: PaneInfo, t: ParsedTarget): boolean {
  if (t.pane !== undefined) return p.pane === t.pane;
  if (p.session !== t.session) return false;
  if (t.window !== undefined && p.windowName !== t.window && String(p.windowIndex) !== t.window && p.window !== t.window) return false;
  if (t.paneIndex !== undefined) return String(p.paneIndex) === t.paneIndex;
  return p.active;
}

/** The pane a target names, or undefined when there is no such pane (or no server). */
export async function paneInfo(tmux: TmuxClient, target: string): Promise<PaneInfo | undefined> {
  const t = parseTarget(target);
  if (!t) return undefined;
  const panes = await allPanes(tmux);
  const hits = panes.filter((p) => matches(p, t));
  // Without an index, a window name picks its active pane; the first window of that name wins.
  return hits[0];
}

/** Every pane of the server, [] when there is none (or no server). */
async function allPanes(tmux: TmuxClient): Promise<PaneInfo[]> {
  try {
    return parseRows(await tmux.run(A.listAllPanes(FIELDS)), FIELDS).map(toInfo);
  } catch (err) {
    if (err instanceof OrcError && err.code === 'tmux' && !/not installed/.test(err.message)) return [];
    throw err;
  }
}

/**
 * The visible screen, wrapped lines joined, trailing blanks of each line and trailing blank lines
 * dropped (programs that clear with spaces would otherwise defeat `$` in patterns).
 */
export async function readScreen(tmux: TmuxClient, pane: string): Promise<string> {
  const out = await tmux.run(A.captureScreen(pane));
  return out.replace(/[ \t]+$/gm, '').replace(/\s+$/, '');
}

/** The cursor position in the pane, or undefined when the pane is gone. */
export async function cursorOf(tmux: TmuxClient, pane: string): Promise<{ x: number; y: number } | undefined> {
  const out = await tmux.run(A.displayPane(pane, '#{cursor_x} #{cursor_y}')).catch(() => '');
  const m = /^(\d+) (\d+)/.exec(out.trim());
  return m ? { x: Number(m[1]), y: Number(m[2]) } : undefined;
}

/** Leave copy mode (or any mode): text sent to a pane in a mode is swallowed silently. */
export async function leaveMode(tmux: TmuxClient, pane: string): Promise<void> {
  await tmux.run(A.cancelMode(pane));
}

/**
 * Paste text into the pane as ONE bracketed paste (when the program asked for bracketed paste),
 * line feeds kept as line feeds, through a uniquely named buffer deleted afterwards.
 */
export async function paste(tmux: TmuxClient, pane: string, text: string): Promise<void> {
  const buffer = `orc-${process.pid}-${randomBytes(4).toString('hex')}`;
  await tmux.run(A.loadBuffer(buffer), { input: text });
  try {
    await tmux.run(A.pasteBuffer(buffer, pane));
  } catch (err) {
    await tmux.run(A.deleteBuffer(buffer)).catch(() => undefined);
    throw err;
  }
}

/** Press Enter (the key, not the word). */
export async function pressEnter(tmux: TmuxClient, pane: string): Promise<void> {
  await tmux.run(A.sendKeys(pane, 'Enter'));
}
