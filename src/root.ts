/**
 * Finding TASK_ROOT, the same way for every command (DESIGN section 2, README "Finding the tree"):
 * 1. `--root`, then `$TASK_ROOT`;
 * 2. inside a pane of our tmux server (`$TMUX` names our socket): the tree `init` recorded in
 *    that pane's session;
 * 3. the nearest `var/tmux/<session>/tasks` walking up from the current directory (as git finds
 *    `.git`);
 * 4. otherwise none: the command refuses (exit 3) and says where it looked. Only `tasks-init` and
 *    `init` (`create: true`) make a new tree, at `./var/tmux/<session>/tasks`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config } from './config.js';
import { showEnvironment } from './tmux/argv.js';
import { tmuxClient } from './tmux/client.js';
import { fail, isErrno } from './errors.js';

export type RootSource = 'option' | 'env' | 'tmux' | 'ancestor' | 'default';

export interface ResolvedRoot {
  /** Absolute. */
  root: string;
  source: RootSource;
  /** Why this tree, in words (`tasks-paths` prints it, errors about the tree may too). */
  why: string;
}

export interface RootOptions {
  root?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** `tasks-init` / `init`: when nothing is found, the new tree's place instead of a refusal. */
  create?: boolean;
}

/** True when `$TMUX` (`/tmp/tmux-UID/SOCKET,PID,SESSION`) is a client of the server on `socket`. */
export function insideServer(tmuxEnv: string | undefined, socket: string): boolean {
  return !!tmuxEnv && path.basename(tmuxEnv.split(',')[0]) === socket;
}

let lastRoot: string | undefined;
/** The tree this process resolved last, if any: error messages say which part of it failed. */
export const resolvedRoot = (): string | undefined => lastRoot;

export function resolveRoot(opts: RootOptions = {}): ResolvedRoot {
  const r = findRoot(opts);
  lastRoot = r.root;
  return r;
}

function findRoot(opts: RootOptions): ResolvedRoot {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.root !== undefined) {
    if (opts.root.trim() === '') throw fail('usage', '--root is empty: give the task tree\'s directory');
    return { root: path.resolve(cwd, opts.root), source: 'option', why: 'from --root' };
  }
  if (env.TASK_ROOT) return { root: path.resolve(cwd, env.TASK_ROOT), source: 'env', why: 'from $TASK_ROOT' };
  const { socket, session } = config(env);
  const inside = insideServer(env.TMUX, socket);
  if (inside) {
    const sid = /^\d+$/.test(env.TMUX!.split(',')[2] ?? '') ? `$${env.TMUX!.split(',')[2]}` : `=${session}`;
    const recorded = sessionTaskRoot(socket, sid);
    if (recorded) return { root: recorded, source: 'tmux', why: `recorded by init in this pane's session (tmux -L ${socket})` };
  }
  const rel = path.join('var', 'tmux', session, 'tasks');
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, rel);
    if (isDir(candidate)) return { root: candidate, source: 'ancestor', why: `found walking up from ${cwd}` };
    if (path.dirname(dir) === dir) break;
  }
  if (opts.create) return { root: path.join(cwd, rel), source: 'default', why: `none found walking up from ${cwd}: a new tree here` };
  throw fail(
    'not-found',
    `no task tree: --root and $TASK_ROOT are unset, ${inside ? 'this pane\'s session recorded none' : `not inside a pane of tmux -L ${socket}`}, and no ${rel} in ${cwd} or any directory above it (create one with tmux-orc tasks-init or tmux-orc init, or give --root)`,
  );
}

/**
 * The resolved tree, which must exist: a directory this user can enter. Errors name the tree and
 * where it came from; the trust check (owner, modes) is the tree module's checkSafe.
 */
export function existingRoot(opts: RootOptions = {}): ResolvedRoot {
  const r = resolveRoot(opts);
  let st: fs.Stats;
  try {
    st = fs.statSync(r.root);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) {
      throw fail('not-found', `task tree (${r.root}): does not exist (${r.why}); create it with tmux-orc tasks-init${r.source === 'option' ? ` --root ${r.root}` : ''}`);
    }
    throw err;
  }
  if (!st.isDirectory()) throw fail('not-found', `task tree (${r.root}): not a directory (${r.why}); give the tree's directory, or create one with tmux-orc tasks-init`);
  return r;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** TASK_ROOT as recorded by `init` in the environment of tmux session `target`, if it is there. */
function sessionTaskRoot(socket: string, target: string): string | undefined {
  try {
    const out = tmuxClient(socket).runSync(showEnvironment(target, 'TASK_ROOT'), { timeoutMs: 2000 });
    const m = /^TASK_ROOT=(.*)$/m.exec(out);
    return m && path.isAbsolute(m[1]) ? m[1] : undefined;
  } catch {
    return undefined;
  }
}
