/**
 * What every session command starts from: the seed's environment settings (plus the base
 * indexes the seed documents), checked once, a tmux client on the private server, and the
 * session resolved to its immutable id.
 */
import { config, type Config } from '../config.js';
import { fail, OrcError } from '../errors.js';
import { requireTmux, tmuxClient, type TmuxClient } from '../tmux/client.js';
import { listSessions } from '../tmux/argv.js';
import { parseRows } from '../tmux/client.js';

/** The seed's settings plus `TMUX_BASE_INDEX` / `TMUX_PANE_BASE_INDEX` (both default 1, as in the seed). */
export interface SessionConfig extends Config {
  baseIndex: number;
  paneBaseIndex: number;
}

export interface SessionContext {
  cfg: SessionConfig;
  tmux: TmuxClient;
}

const NAME = /^[A-Za-z0-9_-]+$/;
const SOCKET = /^[A-Za-z0-9._-]+$/;

/** Resolve and check the settings; throws OrcError('usage') naming the bad variable. */
export function sessionConfig(env: NodeJS.ProcessEnv = process.env): SessionConfig {
  const base = config(env);
  const cfg: SessionConfig = {
    ...base,
    baseIndex: indexSetting(env, 'TMUX_BASE_INDEX'),
    paneBaseIndex: indexSetting(env, 'TMUX_PANE_BASE_INDEX'),
  };
  if (!SOCKET.test(cfg.socket)) throw fail('usage', `TMUX_SOCKET must match [A-Za-z0-9._-]+, got ${JSON.stringify(cfg.socket)}`);
  for (const [key, v] of [['TMUX_SESSION', cfg.session], ['MASTER_WINDOW', cfg.masterWindow], ['WORKERS_WINDOW', cfg.workersWindow]] as const) {
    if (!NAME.test(v)) throw fail('usage', `${key} must match [A-Za-z0-9_-]+ (tmux reserves . and :), got ${JSON.stringify(v)}`);
  }
  if (cfg.masterWindow === cfg.workersWindow) throw fail('usage', 'MASTER_WINDOW and WORKERS_WINDOW must differ');
  if (!Number.isInteger(cfg.historyLimit) || cfg.historyLimit < 0) throw fail('usage', `TMUX_HISTORY_LIMIT must be a whole number, got ${JSON.stringify(env.TMUX_HISTORY_LIMIT)}`);
  if (!['on', 'off', 'failed'].includes(cfg.remainOnExit)) throw fail('usage', `TMUX_REMAIN_ON_EXIT must be on, off or failed, got ${JSON.stringify(cfg.remainOnExit)}`);
  if (!['on', 'off'].includes(cfg.allowRename)) throw fail('usage', `TMUX_ALLOW_RENAME must be on or off, got ${JSON.stringify(cfg.allowRename)}`);
  return cfg;
}

function indexSetting(env: NodeJS.ProcessEnv, key: string): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return 1;
  if (!/^\d{1,3}$/.test(raw)) throw fail('usage', `${key} must be a small whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Settings, a checked tmux (>= 3.2) and a client on `-L $TMUX_SOCKET`. */
export function sessionContext(env: NodeJS.ProcessEnv = process.env): SessionContext {
  const cfg = sessionConfig(env);
  requireTmux();
  return { cfg, tmux: tmuxClient(cfg.socket) };
}

/** The id (`$3`) of the session named exactly `name`, or undefined (also when no server runs). */
export async function findSession(tmux: TmuxClient, name: string): Promise<string | undefined> {
  let out: string;
  try {
    out = await tmux.run(listSessions(['session_id', 'session_name']));
  } catch (err) {
    if (err instanceof OrcError && /no server running|error connecting|No such file/i.test(err.message)) return undefined;
    throw err;
  }
  return parseRows(out, ['session_id', 'session_name'] as const).find((r) => r.session_name === name)?.session_id;
}

/** The session id, or OrcError('not-found') with the command that creates it. */
export async function requireSession(ctx: SessionContext): Promise<string> {
  const sid = await findSession(ctx.tmux, ctx.cfg.session);
  if (!sid) throw fail('not-found', `no tmux session "${ctx.cfg.session}" on server "${ctx.cfg.socket}" (start it: tmux-orc init)`);
  return sid;
}
