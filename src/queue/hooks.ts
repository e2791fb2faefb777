/**
 * Completion hooks: the task's own `ON_FINISH` command and the tree's `hooks/on-finish`
 * executable, started after a task settles in done/ or failed/, with what became of it in
 * TASK_* variables. Each runs under timeout(1) in its own process group, its output appended to
 * logs/<ID>.hook; a hook that fails or hangs is logged there (and in the worker's pane) and never
 * changes the task's result. The tree's hook must pass the checks a task file does (a regular
 * file of ours, one link, writable by nobody else): otherwise it is refused, and says so.
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { logPath, type Tree } from './tree.js';
import { exitCodeOf } from './wait.js';
import type { Task } from './task.js';
import { formatDuration, parseDuration } from '../time.js';
import { unsafeFile } from './tree.js';

/** How long a hook may run: TMUX_ORC_HOOK_TIMEOUT (a duration), default 60 s. */
export function hookTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  try {
    const ms = parseDuration(env.TMUX_ORC_HOOK_TIMEOUT ?? '60s');
    return ms > 0 ? ms : 60_000;
  } catch {
    return 60_000;
  }
}

/** The variables a hook gets, from the task as it settled in `dir`. */
export function hookEnv(t: Tree, task: Task, dir: 'done' | 'failed'): Record<string, string> {
  const duration = task.started !== undefined && task.finished !== undefined ? task.finished - task.started : undefined;
  return {
    TASK_ID: task.id,
    TASK_STATUS: task.status ?? dir,
    TASK_EXIT_CODE: String(exitCodeOf(dir, task)),
    TASK_LABEL: task.label ?? '',
    TASK_GROUP: task.group ?? '',
    TASK_DURATION_MS: duration === undefined ? '' : String(duration),
    TASK_LOG: logPath(t, task.id, 'out'),
    TASK_ROOT: t.root,
  };
}

/** The tree's hook, if there is one: its path, or why it is refused. */
function treeHook(t: Tree): { file: string } | { refused: string } | undefined {
  const file = `${t.dir('hooks')}/on-finish`;
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { refused: `${file} is a symlink` };
  if (!st.isFile()) return { refused: `${file} is not a regular file` };
  const unsafe = unsafeFile(st);
  if (unsafe) return { refused: `${file} is ${unsafe}` };
  if (!(st.mode & 0o100)) return { refused: `${file} is not executable (chmod 700 it)` };
  return { file };
}

/**
 * Start the hooks of a task that settled in `dir`; resolves, once they have ended, to one line
 * for each that failed, hung or was refused. Undefined when there is none to run.
 */
export function startHooks(t: Tree, task: Task, dir: 'done' | 'failed', env: NodeJS.ProcessEnv = process.env): Promise<string[]> | undefined {
  const hooks: Array<{ what: string; argv: string[] } | { what: string; refused: string }> = [];
  if (task.onFinish !== undefined) hooks.push({ what: 'its on-finish hook', argv: ['bash', '-c', task.onFinish] });
  const own = treeHook(t);
  if (own && 'file' in own) hooks.push({ what: 'hooks/on-finish', argv: [own.file] });
  else if (own) hooks.push({ what: 'hooks/on-finish', refused: own.refused });
  if (hooks.length === 0) return undefined;
  const log = logPath(t, task.id, 'hook');
  const timeoutMs = hookTimeoutMs(env);
  const vars = { ...env, ...hookEnv(t, task, dir) };
  const cwd = task.cwd && fs.statSync(task.cwd, { throwIfNoEntry: false })?.isDirectory() ? task.cwd : t.root;
  return Promise.all(hooks.map((h) => ('refused' in h ? note(log, `${task.id}: refused ${h.what}: ${h.refused}`) : runOne(log, task.id, h.what, h.argv, vars, cwd, timeoutMs))))
    .then((lines) => lines.filter((l): l is string => l !== undefined));
}

/** One hook under timeout(1): SIGTERM at the limit, SIGKILL 2 s later. */
function runOne(log: string, id: string, what: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let fd: number;
    try {
      fd = fs.openSync(log, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      resolve(`${id}: ${what} not run: cannot open ${log} (${(err as Error).message})`);
      return;
    }
    const child = spawn('timeout', ['-k', '2', `${timeoutMs / 1000}`, ...argv], { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    // Never holds a command up: a CLI that settled a task (a cancel) exits while its hook runs on.
    child.unref();
    child.on('error', (err) => resolve(note(log, `${id}: ${what} could not start: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve(undefined);
      const why = code === 124 || code === 137 ? `timed out after ${formatDuration(timeoutMs)}` : signal ? `killed by ${signal}` : `failed with exit ${code}`;
      resolve(note(log, `${id}: ${what} ${why}; the task's result stands`));
    });
  });
}

/** Append `line` to the hook log (best effort) and hand it on. */
function note(log: string, line: string): string {
  try {
    const fd = fs.openSync(log, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(fd, `tmux-orc: ${line}\n`);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // the pane still gets the line
  }
  return line;
}
