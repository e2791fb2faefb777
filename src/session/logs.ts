/**
 * `logs-on` / `logs-off`: `pipe-pane` of the worker panes and the master pane into
 * `<dir>/<session>.<window>.<worker-N|pane>.log`, each line prefixed with its UTC time, rotated by
 * size (`--max-size`, `--keep`; pane_log_max, pane_log_keep). Agents' windows are logged the same
 * way into `<root>/agent-logs/<name>.log` from the moment they start (logAgentPane).
 *
 * The writer is one long-lived Perl process per pane (pane-log.pl, next to this module in src/
 * and next to the bundle in dist/): it stamps, drops a worker line's short time, and rotates
 * between two lines. The logs directory is remembered in the session option `@orc_logs`, so
 * worker panes added later by `init M` are logged too, with the size and count in `@orc_logs_rotate`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../self.js';
import * as A from '../tmux/argv.js';
import type { TmuxClient } from '../tmux/client.js';
import { sizeFromEnv } from '../config/size.js';
import { fail } from '../errors.js';
import { requireSession, type SessionContext } from './context.js';
import { fileStem, panes, type Pane } from './panes.js';

/** How pane logs rotate. */
export interface Rotation {
  /** A log rotates before a line would take it past this many bytes (0: never). */
  maxBytes: number;
  /** Rotated files kept: FILE.1 (newest) … FILE.keep. */
  keep: number;
}

export const PANE_LOG_MAX_DEFAULT = 16 * 1024 * 1024;
export const PANE_LOG_KEEP_DEFAULT = 5;

/** The rotation from the settings (TMUX_ORC_PANE_LOG_MAX, TMUX_ORC_PANE_LOG_KEEP; a config file fills them). */
export function rotationFromEnv(env: NodeJS.ProcessEnv = process.env): Rotation {
  const keep = env.TMUX_ORC_PANE_LOG_KEEP;
  if (keep !== undefined && keep !== '' && !/^\d{1,4}$/.test(keep)) throw fail('usage', `TMUX_ORC_PANE_LOG_KEEP: must be a whole number, got ${JSON.stringify(keep)}`);
  return { maxBytes: sizeFromEnv(env, 'TMUX_ORC_PANE_LOG_MAX', PANE_LOG_MAX_DEFAULT, 4096), keep: keep ? Math.max(1, Number(keep)) : PANE_LOG_KEEP_DEFAULT };
}

/** The writer's program file. */
export const paneLogProgram = (): string => fileURLToPath(new URL('./pane-log.pl', import.meta.url));

/** Where perl is (the worker needs it too), for a pipe that runs with the tmux server's PATH. */
function perlPath(env: NodeJS.ProcessEnv = process.env): string {
  for (const d of (env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(d || '.', 'perl');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return path.resolve(p);
    } catch {
      // next
    }
  }
  throw fail('not-found', 'perl is not on PATH: pane logs are written by a small Perl program (apt-get install perl-base)');
}

/** The full pipe-pane shell command for one log file. */
export function pipeCommand(file: string, r: Rotation, perl = perlPath()): string {
  return `exec ${shellQuote(perl)} ${shellQuote(paneLogProgram())} ${shellQuote(file)} ${r.maxBytes} ${r.keep}`;
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
export async function logsOn(ctx: SessionContext, dir: string, rotation: Rotation = rotationFromEnv()): Promise<LogOutcome[]> {
  const sid = await requireSession(ctx);
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
  await ctx.tmux.run(A.setSessionOption(sid, '@orc_logs', abs));
  await ctx.tmux.run(A.setSessionOption(sid, '@orc_logs_rotate', `${rotation.maxBytes} ${rotation.keep}`));
  const out: LogOutcome[] = [];
  for (const p of logged(await panes(ctx.tmux, sid))) {
    const file = path.join(abs, `${fileStem(p)}.log`);
    if (p.dead) out.push({ pane: p.paneId, file, result: 'dead' });
    else if (p.piped) out.push({ pane: p.paneId, file, result: 'already-on' });
    else {
      await ctx.tmux.run(A.pipePaneOpen(p.paneId, pipeCommand(file, rotation)));
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
  const [max, keep] = (await ctx.tmux.run(A.showSessionOption(sid, '@orc_logs_rotate'))).trim().split(' ').map(Number);
  const rotation = Number.isInteger(max) && keep > 0 ? { maxBytes: max, keep } : rotationFromEnv();
  const p = (await panes(ctx.tmux, sid)).find((x) => x.paneId === paneId);
  if (p && !p.piped) await ctx.tmux.run(A.pipePaneOpen(paneId, pipeCommand(path.join(dir, `${fileStem(p)}.log`), rotation)));
}

/** Where agents' window logs are: `<root>/agent-logs/<name>.log` (and its rotated .1 … .N). */
export const agentLogDir = (root: string): string => path.join(root, 'agent-logs');

/**
 * Log an agent's pane from now on (before its command starts, so its first screen is in the log),
 * rotated like pane logs; a pipe already open is kept. What an agent printed outlives its window.
 */
export async function logAgentPane(tmux: TmuxClient, paneId: string, root: string, name: string, rotation: Rotation = rotationFromEnv()): Promise<void> {
  const dir = agentLogDir(root);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  await tmux.run(A.pipePaneOpen(paneId, pipeCommand(path.join(dir, `${name}.log`), rotation)));
}
