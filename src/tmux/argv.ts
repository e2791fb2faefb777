/**
 * Pure builders of tmux argument arrays: every tmux command the session and agent layers run is
 * spelled here, so it can be read in one place and tested without tmux. The session layer targets
 * immutable ids (`$1` session, `@3` window, `%12` pane) resolved once by the caller. The agents
 * address their session by exact name (`=name`, see exactSession), and only with commands that
 * accept it (has-session, new-window, set-environment, show-environment); tmux 3.3a refuses
 * `=name` as a set-option target, so options go to the pane id the new window printed.
 */
import { format } from './client.js';

/** A detached session whose first window is a throwaway bootstrap (see session/init.ts for why). */
export function newSession(name: string, bootWindow: string, cwd: string): string[] {
  return ['new-session', '-d', '-s', name, '-n', bootWindow, '-c', cwd, '-x', '200', '-y', '50', '-P', '-F', '#{session_id}'];
}

/** A new window at the first free index (>= base-index) of session `sid`; prints `@id SEP %id`. */
export function newWindow(sid: string, name: string, cwd: string): string[] {
  return ['new-window', '-d', '-t', `${sid}:`, '-n', name, '-c', cwd, '-P', '-F', format(['window_id', 'pane_id'])];
}

/** Split window `wid` (its active pane); prints the new pane id. */
export function splitWindow(wid: string, cwd: string): string[] {
  return ['split-window', '-d', '-t', wid, '-c', cwd, '-P', '-F', '#{pane_id}'];
}

/** A session option (`-t $id`), e.g. history-limit or base-index. */
export function setSessionOption(sid: string, name: string, value: string): string[] {
  return ['set-option', '-t', sid, name, value];
}

export function unsetSessionOption(sid: string, name: string): string[] {
  return ['set-option', '-u', '-t', sid, name];
}

/** The value of a session option, empty when unset (`-q`). */
export function showSessionOption(sid: string, name: string): string[] {
  return ['show-options', '-q', '-v', '-t', sid, name];
}

/** A window option on exactly this window (`-w -t @id`). */
export function setWindowOption(wid: string, name: string, value: string): string[] {
  return ['set-option', '-w', '-t', wid, name, value];
}

/** A pane option (`-p -t %id`), used for our `@orc_*` marks. */
export function setPaneOption(pid: string, name: string, value: string): string[] {
  return ['set-option', '-p', '-t', pid, name, value];
}

/** A variable in the session environment, inherited by panes created later. */
export function setEnvironment(sid: string, name: string, value: string): string[] {
  return ['set-environment', '-t', sid, name, value];
}

/** One variable of the session environment (`NAME=value`, or `-NAME` when removed). */
export function showEnvironment(sid: string, name: string): string[] {
  return ['show-environment', '-t', sid, name];
}

export function selectPaneTitle(pid: string, title: string): string[] {
  return ['select-pane', '-t', pid, '-T', title];
}

export function selectLayout(wid: string, layout: string): string[] {
  return ['select-layout', '-t', wid, layout];
}

export function killPane(pid: string): string[] {
  return ['kill-pane', '-t', pid];
}

export function killWindow(wid: string): string[] {
  return ['kill-window', '-t', wid];
}

export function switchClient(sid: string): string[] {
  return ['switch-client', '-t', sid];
}

export function killSession(sid: string): string[] {
  return ['kill-session', '-t', sid];
}

/** Renumber the windows of a session from its base-index. */
export function renumberWindows(sid: string): string[] {
  return ['move-window', '-r', '-t', `${sid}:`];
}

/** One format expanded for one pane. */
export function displayPane(pid: string, fmt: string): string[] {
  return ['display-message', '-p', '-t', pid, fmt];
}

/** Every pane of every session on the server. */
export function listAllPanes(fields: readonly string[]): string[] {
  return ['list-panes', '-a', '-F', format(fields)];
}

export function listSessions(fields: readonly string[]): string[] {
  return ['list-sessions', '-F', format(fields)];
}

/** Every pane of every window of session `sid`. */
export function listPanes(sid: string, fields: readonly string[]): string[] {
  return ['list-panes', '-s', '-t', sid, '-F', format(fields)];
}

/** Leave copy mode (or any mode), so that typed keys reach the program again. */
export function cancelMode(pid: string): string[] {
  return ['send-keys', '-X', '-t', pid, 'cancel'];
}

/** Text typed literally: no key-name lookup; `--` so text starting with `-` is not an option. */
export function sendLiteral(pid: string, text: string): string[] {
  return ['send-keys', '-t', pid, '-l', '--', text];
}

/** Named keys (`Enter`, `C-c`, `C-u`). */
export function sendKeys(pid: string, ...keys: string[]): string[] {
  return ['send-keys', '-t', pid, ...keys];
}

/**
 * Replace whatever runs in the pane (`-k`) by `shellCommand`, with `env` (`KEY=VALUE`) on top of
 * the session environment; without `cwd` tmux keeps the pane's directory.
 */
export function respawnPaneWith(pid: string, cwd: string | undefined, shellCommand: string, env: readonly string[] = []): string[] {
  return ['respawn-pane', '-k', '-t', pid, ...(cwd === undefined ? [] : ['-c', cwd]), ...envFlags(env), shellCommand];
}

/** The visible screen only, wrapped lines joined. */
export function captureScreen(pid: string): string[] {
  return ['capture-pane', '-p', '-J', '-t', pid];
}

/** The screen and up to `history` lines of scrollback above it, wrapped lines joined. */
export function captureWithHistory(pid: string, history: number): string[] {
  return ['capture-pane', '-p', '-J', '-S', String(-history), '-t', pid];
}

/** The whole scrollback and screen, wrapped lines joined. */
export function capturePane(pid: string): string[] {
  return ['capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', pid];
}

/**
 * Open a pipe of the pane's output into `shellCommand` unless one is open already (`-o`).
 * tmux expands the command as a format *and* through strftime(3) first (`%H` becomes the hour
 * at the time of the call), so `#` and `%` are doubled to arrive as written.
 */
export function pipePaneOpen(pid: string, shellCommand: string): string[] {
  return ['pipe-pane', '-o', '-t', pid, escapeFormat(shellCommand)];
}

/** Text that tmux will format- and strftime-expand, escaped to mean itself. */
function escapeFormat(text: string): string {
  return text.replace(/#/g, '##').replace(/%/g, '%%');
}

/** Close the pane's pipe, if any. */
export function pipePaneClose(pid: string): string[] {
  return ['pipe-pane', '-t', pid];
}

export function waitFor(channel: string): string[] {
  return ['wait-for', channel];
}

export function waitForSignal(channel: string): string[] {
  return ['wait-for', '-S', channel];
}

// --- Agents: sessions by exact name, windows made with their program and environment ---

/** `=name`: the session of exactly this name (a bare name would also match a longer one). */
export function exactSession(name: string): string {
  return `=${name}`;
}

/** Succeeds (exit 0) when session `name` exists. */
export function hasSession(name: string): string[] {
  return ['has-session', '-t', exactSession(name)];
}

/** What a new pane runs: `env` (`KEY=VALUE`) on top of the session environment, then `command` (default: the shell). */
export interface PaneStart {
  env?: readonly string[];
  command?: string;
}

const envFlags = (env: readonly string[]) => env.flatMap((e) => ['-e', e]);
const startArgs = (start: PaneStart) => [...envFlags(start.env ?? []), ...(start.command === undefined ? [] : [start.command])];

/** A window `name` at the first free index of session `session` (by exact name); prints its pane id. */
export function newNamedWindow(session: string, name: string, cwd: string, start: PaneStart = {}): string[] {
  return ['new-window', '-d', '-t', `${exactSession(session)}:`, '-n', name, '-c', cwd, '-P', '-F', '#{pane_id}', ...startArgs(start)];
}

/** A detached session `session` whose first window is `name`; prints that window's pane id. */
export function newNamedSession(session: string, name: string, cwd: string, start: PaneStart = {}): string[] {
  return ['new-session', '-d', '-s', session, '-n', name, '-c', cwd, '-x', '200', '-y', '50', '-P', '-F', '#{pane_id}', ...startArgs(start)];
}

/**
 * The window options of a window that must outlive its program, one argv each: a program that
 * dies leaves its dead pane and exit status (remain-on-exit), and the window keeps its name.
 */
export function keepWindowOptions(target: string): string[][] {
  return [['remain-on-exit', 'on'], ['allow-rename', 'off'], ['automatic-rename', 'off']].map(([name, value]) => setWindowOption(target, name, value));
}

/** Text from stdin into the paste buffer `buffer`. */
export function loadBuffer(buffer: string): string[] {
  return ['load-buffer', '-b', buffer, '-'];
}

/**
 * Paste `buffer` into the pane and delete it (`-d`): as a bracketed paste when the program asked
 * for one (`-p`), line feeds kept as line feeds (`-r`).
 */
export function pasteBuffer(buffer: string, pid: string): string[] {
  return ['paste-buffer', '-b', buffer, '-p', '-r', '-d', '-t', pid];
}

export function deleteBuffer(buffer: string): string[] {
  return ['delete-buffer', '-b', buffer];
}
