/**
 * Starting task processes. A task is `bash -c CMD` (or, for a line of plain words, its program
 * exec'd directly: direct.ts) in a process group of its own, stdin from /dev/null, its variables
 * on top of the worker's environment. Its stdout and stderr are pipes, copied as they come to
 * the pane and to its log files; a log file is created on the first byte of its stream, so a task
 * that prints nothing leaves no empty files behind.
 *
 * Forking from Node is what limited a drain: `child_process.spawn` costs a worker ~3 ms per task
 * here (fork copies the page tables of a ~80 MB process, and spawn waits for the exec), half of
 * task-spooler's rate with 4 workers. So each worker keeps one small Perl process that forks its
 * tasks and copies their output (perl-launcher.ts; perl-base is part of every Debian and Ubuntu
 * system; Perl was chosen over a bash loop because it reports an exit code and a signal apart).
 * Where there is no `perl`, with TMUX_ORC_LAUNCHER=node, or when the pane is not a file
 * descriptor, tasks are spawned from Node, which copies their output itself (node-launcher.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { NodeLauncher } from './node-launcher.js';
import { PerlLauncher } from './perl-launcher.js';

export interface LaunchRequest {
  cmd: string;
  cwd?: string;
  /** Set on top of the worker's environment. */
  env: Array<[string, string]>;
  /** Log files, appended to (created 0600 on the stream's first byte). */
  out: string;
  err: string;
  /** The task file: `PGID=` and `PGID_START=` are appended to it before the command runs. */
  record: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * The task's REASON when there is no exit to report: it could not exec (`spawn-error: …`), its
   * output could not be logged (`log-error: …`), or its launcher died (`launcher-died: …`).
   */
  error?: string;
}

/** A launched task: how it ended (or why it could not start), and its process group once known. */
export interface Launched {
  exit: Promise<Exit>;
  /**
   * The task's process group, once the task has recorded it (a moment after the launch, before
   * its command runs); undefined before that, or when it never started.
   */
  pgid(): number | undefined;
}

/**
 * Starts tasks, one at a time. When a task's command exits, the launcher kills whatever is left
 * in its process group, copies the output still in its pipes, then reports the exit.
 */
export interface Launcher {
  launch(req: LaunchRequest): Promise<Launched>;
  close(): void;
}

/** Where a task's output is shown as it comes: the worker's pane. */
export interface Pane {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The launcher for a worker: Perl when it is installed and the pane has file descriptors, unless TMUX_ORC_LAUNCHER=node. */
export function createLauncher(pane: Pane, env = process.env): Launcher {
  const wanted = env.TMUX_ORC_LAUNCHER;
  // bash is looked up once, on the worker's PATH, not on every task's.
  const bash = which('bash', env.PATH) ?? 'bash';
  const fds = [pane.out, pane.err].map((s) => (s as { fd?: unknown }).fd);
  const perl = wanted !== 'node' && (wanted === 'perl' || which('perl', env.PATH)) && fds.every((fd) => typeof fd === 'number');
  return perl ? new PerlLauncher(bash, fds as number[]) : new NodeLauncher(bash, pane);
}

function which(bin: string, pathVar = ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    const file = path.resolve(dir, bin);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fields travel NUL-separated, so no field may hold a NUL (no argv or environment can either). */
export function nulIn(req: LaunchRequest): string | undefined {
  const fields: Array<[string, string]> = [['CMD', req.cmd], ['CWD', req.cwd ?? ''], ['record', req.record], ...req.env.map(([k, v]): [string, string] => [`ENV ${k}`, `${k}${v}`])];
  return fields.find(([, v]) => v.includes('\0'))?.[0];
}
