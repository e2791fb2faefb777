/**
 * Pure builders of tmux argument arrays: every tmux command the session layer runs is spelled
 * here, so it can be read in one place and tested without tmux. Targets are immutable ids
 * (`$1` session, `@3` window, `%12` pane) resolved once by the caller; `-t =name` is accepted by
 * `has-session` only (tmux 3.3a refuses `=name` as a set-option target, and ids never prefix-match).
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
export function showEnvironment(sid: string, name: string): string[] {
  return ['show-environment', '-t', sid, name];
}

export function setEnvironment(sid: string, name: string, value: string): string[] {
  return ['set-environment', '-t', sid, name, value];
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

/** Start a dead pane again with its original command (the shell). */
export function respawnPane(pid: string, cwd: string): string[] {
  return ['respawn-pane', '-t', pid, '-c', cwd];
}

/** Replace whatever runs in the pane (`-k`) by `shellCommand`. */
export function respawnPaneWith(pid: string, cwd: string, shellCommand: string): string[] {
  return ['respawn-pane', '-k', '-t', pid, '-c', cwd, shellCommand];
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
export function escapeFormat(text: string): string {
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
