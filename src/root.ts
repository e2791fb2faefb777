/**
 * Finding TASK_ROOT, the same way for every command (DESIGN section 2):
 * 1. `--root` or `$TASK_ROOT`;
 * 2. the value recorded in the tmux session environment at `init`;
 * 3. the nearest `var/tmux/<session>/tasks` walking up from the current directory;
 * 4. else `./var/tmux/<session>/tasks`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config } from './config.js';
import { exactSession, showEnvironment } from './tmux/argv.js';
import { tmuxClient } from './tmux/client.js';

export type RootSource = 'option' | 'env' | 'tmux' | 'ancestor' | 'default';

export interface ResolvedRoot {
  root: string;
  source: RootSource;
}

export function resolveRoot(opts: { root?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedRoot {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.root) return { root: path.resolve(cwd, opts.root), source: 'option' };
  if (env.TASK_ROOT) return { root: path.resolve(cwd, env.TASK_ROOT), source: 'env' };
  const { socket, session } = config(env);
  const recorded = sessionTaskRoot(socket, session);
  if (recorded) return { root: recorded, source: 'tmux' };
  const rel = path.join('var', 'tmux', session, 'tasks');
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, rel);
    if (fs.existsSync(candidate)) return { root: candidate, source: 'ancestor' };
    if (path.dirname(dir) === dir) break;
  }
  return { root: path.join(cwd, rel), source: 'default' };
}

/** TASK_ROOT as recorded by `init` in the session environment, if that server and session exist. */
function sessionTaskRoot(socket: string, session: string): string | undefined {
  try {
    const out = tmuxClient(socket).runSync(showEnvironment(exactSession(session), 'TASK_ROOT'), { timeoutMs: 2000 });
    const m = /^TASK_ROOT=(.*)$/m.exec(out);
    return m && path.isAbsolute(m[1]) ? m[1] : undefined;
  } catch {
    return undefined;
  }
}
