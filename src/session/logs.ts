/**
 * `logs-on` / `logs-off`: `pipe-pane` of the worker panes and the master pane into
 * `<dir>/<session>.<window>.<worker-N|pane>.log`, each line prefixed with its UTC time.
 *
 * The stamper is one long-lived process per pane: `awk` with `strftime(fmt, t, 1)` (UTC flag;
 * Debian's mawk 1.3.4 and gawk have it) under `TZ=UTC0` as well, or, where awk lacks strftime,
 * our own `log-stamp` command. The logs directory is remembered in the session option
 * `@orc_logs`, so worker panes added later by `init M` are logged too.
 *
 * A worker's own pane lines start with its time (`09:00:00 worker-0 start …`, src/worker/pane.ts):
 * someone watching the pane needs it, and the log has the full date already, so the stamper drops
 * that short time and each log line carries one timestamp, the stamper's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { selfCommand, shellQuote } from '../self.js';
import * as A from '../tmux/argv.js';
import { requireSession, type SessionContext } from './context.js';
import { fileStem, panes, type Pane } from './panes.js';

/** `2026-01-31T09:00:00Z` followed by a space, then the line as the pane wrote it (a worker line without its short time). */
const AWK_STAMP = '{ sub(/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] worker-/, "worker-"); print strftime("%Y-%m-%dT%H:%M:%SZ", systime(), 1) " " $0; fflush() }';

/** The same stamp as AWK_STAMP, for `log-stamp` where awk has no strftime. */
export function stampLine(line: string, now = Date.now()): string {
  return `${new Date(now).toISOString().slice(0, 19)}Z ${line.replace(/^\d\d:\d\d:\d\d (?=worker-)/, '')}\n`;
}

/** Which awk we have: `strftime` with a UTC flag is needed; mawk also needs `-W interactive`
 * or it reads its input in blocks and a log line appears only kilobytes later. */
export type AwkKind = 'mawk' | 'awk' | 'none';

/** What a pane's pipe runs: awk when it can stamp UTC, else `tmux-orc log-stamp`. */
export function stamperCommand(kind: AwkKind = awkKind()): string {
  if (kind === 'none') return `exec ${selfCommand('log-stamp')}`;
  return `exec env TZ=UTC0 awk ${kind === 'mawk' ? '-W interactive ' : ''}${shellQuote(AWK_STAMP)}`;
}

let probed: AwkKind | undefined;
function awkKind(): AwkKind {
  if (probed) return probed;
  const awk = (args: string[]) => execFileSync('awk', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'America/New_York' } });
  try {
    if (awk(['BEGIN { printf "%s", strftime("%H", 0, 1) }']) !== '00') probed = 'none';
    else probed = /mawk/i.test(awk(['-W', 'version'])) ? 'mawk' : 'awk';
  } catch {
    probed = 'none';
  }
  return probed;
}

/** The full pipe-pane shell command for one log file. */
export function pipeCommand(file: string, stamper = stamperCommand()): string {
  return `${stamper} >> ${shellQuote(file)}`;
}

/** The panes that are logged: every worker pane and the master window's panes. */
function logged(all: Pane[]): Pane[] {
  return all.filter((p) => p.role === 'master' || p.worker !== undefined);
}

/** The result for one pane. */
export interface LogOutcome {
  pane: string;
  file: string;
  result: 'on' | 'already-on' | 'off' | 'already-off' | 'dead';
}

/** Start logging every worker pane and the master pane (idempotent: open pipes are kept). */
export async function logsOn(ctx: SessionContext, dir: string): Promise<LogOutcome[]> {
  const sid = await requireSession(ctx);
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true });
  await ctx.tmux.run(A.setSessionOption(sid, '@orc_logs', abs));
  const out: LogOutcome[] = [];
  for (const p of logged(await panes(ctx.tmux, sid))) {
    const file = path.join(abs, `${fileStem(p)}.log`);
    if (p.dead) out.push({ pane: p.paneId, file, result: 'dead' });
    else if (p.piped) out.push({ pane: p.paneId, file, result: 'already-on' });
    else {
      await ctx.tmux.run(A.pipePaneOpen(p.paneId, pipeCommand(file)));
      out.push({ pane: p.paneId, file, result: 'on' });
    }
  }
  return out;
}

/** Stop logging the same panes (idempotent). */
export async function logsOff(ctx: SessionContext): Promise<LogOutcome[]> {
  const sid = await requireSession(ctx);
  await ctx.tmux.run(A.unsetSessionOption(sid, '@orc_logs'));
  const out: LogOutcome[] = [];
  for (const p of logged(await panes(ctx.tmux, sid))) {
    if (p.piped) await ctx.tmux.run(A.pipePaneClose(p.paneId));
    out.push({ pane: p.paneId, file: '', result: p.piped ? 'off' : 'already-off' });
  }
  return out;
}

/** Log a pane added later when logging is on for the session (used by `init M`). */
export async function openPipe(ctx: SessionContext, sid: string, paneId: string): Promise<void> {
  const dir = (await ctx.tmux.run(A.showSessionOption(sid, '@orc_logs'))).trim();
  if (!dir) return;
  const p = (await panes(ctx.tmux, sid)).find((x) => x.paneId === paneId);
  if (p && !p.piped) await ctx.tmux.run(A.pipePaneOpen(paneId, pipeCommand(path.join(dir, `${fileStem(p)}.log`))));
}
