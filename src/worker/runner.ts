/**
 * Runs one task: `bash -c CMD` in its own process group, in its CWD, with its ENV on top of the
 * worker's environment. The task writes straight into its log files; the worker follows them to
 * the pane. A task is over when its command exits; whatever it left running in its group is
 * killed then.
 */
import fs from 'node:fs';
import type { Task } from '../queue/task.js';
import type { RunResult } from '../queue/lifecycle.js';
import { signalGroup } from '../queue/proc.js';
import { nulIn, type Exit, type Launcher } from './launcher.js';

export interface RunOptions {
  task: Task;
  launcher: Launcher;
  /** Variables set for the task on top of the worker's environment (TASK_ID, …). */
  env: Array<[string, string]>;
  logOut: string;
  logErr: string;
  /** Where the pane sees the output. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Between SIGTERM and SIGKILL when a task is timed out or cancelled. */
  killGraceMs: number;
  /** The running task file: the launcher records the task's process group in it. */
  record: string;
  /** Aborting it cancels the task (signal the group). */
  cancel: AbortSignal;
}

/** How often a running task's new output is copied to the pane. */
const FOLLOW_MS = 100;

export async function runTask(o: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const { task } = o;
  const result = (r: Partial<RunResult>): RunResult => ({
    exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: Date.now() - started, ...r,
  });
  if (task.cwd !== undefined && !isDir(task.cwd)) return result({ startError: `bad-cwd: ${task.cwd} is not a directory` });
  const req = { cmd: task.cmd, cwd: task.cwd, env: [...o.env, ...task.env], out: o.logOut, err: o.logErr, record: o.record };
  const nul = nulIn(req);
  if (nul) return result({ startError: `bad-task: ${nul} holds a NUL byte` });

  const logs = [new Follower(o.logOut, o.stdout), new Follower(o.logErr, o.stderr)];
  try {
    const launched = await o.launcher.launch(req);
    if ('error' in launched) return result({ startError: launched.error });
    const pgid = launched.pid;
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (killTimer) return;
      signalGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), o.killGraceMs);
    };
    const onCancel = () => ((cancelled = true), stop());
    const timeout = task.timeoutMs ? setTimeout(() => ((timedOut = true), stop()), task.timeoutMs) : undefined;
    const follow = setInterval(() => logs.forEach((l) => l.pump()), FOLLOW_MS);
    let exit: Exit | undefined;
    try {
      if (o.cancel.aborted) onCancel();
      else o.cancel.addEventListener('abort', onCancel, { once: true });
      exit = await launched.exit;
      return result({ exitCode: exit.code, signal: exit.signal, timedOut, cancelled, startError: exit.error });
    } finally {
      // The launcher killed what the command left in its group; if it died, or we leave early, we do.
      if (!exit || exit.error) signalGroup(pgid, 'SIGKILL');
      clearTimeout(timeout);
      clearTimeout(killTimer);
      clearInterval(follow);
      o.cancel.removeEventListener('abort', onCancel);
    }
  } finally {
    for (const l of logs) l.pump();
  }
}

/** Copies what a task appends to one of its log files to the pane (from where it stood at start). */
class Follower {
  private pos: number;

  constructor(private file: string, private to: NodeJS.WritableStream) {
    this.pos = sizeOf(file);
  }

  pump(): void {
    const end = sizeOf(this.file);
    if (end <= this.pos) return;
    const fd = fs.openSync(this.file, 'r');
    try {
      while (this.pos < end) {
        const chunk = Buffer.allocUnsafe(Math.min(end - this.pos, 1 << 20));
        const n = fs.readSync(fd, chunk, 0, chunk.length, this.pos);
        if (n === 0) break;
        this.to.write(chunk.subarray(0, n));
        this.pos += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

const sizeOf = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
