/**
 * Runs one task: `bash -c CMD` in its own process group, in its CWD, with its ENV on top of the
 * worker's environment; stdout and stderr go both to the pane and to the task's log files.
 * A task is over when its command exits; whatever it left running in its group is killed then.
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import type { Task } from '../queue/task.js';
import type { RunResult } from '../queue/lifecycle.js';
import { processStart, signalGroup } from '../queue/proc.js';

export interface RunOptions {
  task: Task;
  /** The environment the task starts from (the worker's, plus TASK_* variables). */
  baseEnv: NodeJS.ProcessEnv;
  logOut: string;
  logErr: string;
  /** Where the pane sees the output. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Between SIGTERM and SIGKILL when a task is timed out or cancelled. */
  killGraceMs: number;
  /** Called once the process group exists, before anything else happens. */
  onSpawn: (pgid: number, pgidStart: string) => void;
  /** Aborting it cancels the task (signal the group). */
  cancel: AbortSignal;
}

export function runTask(o: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const { task } = o;
  const result = (r: Partial<RunResult>): RunResult => ({
    exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: Date.now() - started, ...r,
  });
  if (task.cwd !== undefined && !isDir(task.cwd)) {
    return Promise.resolve(result({ startError: `bad-cwd: ${task.cwd} is not a directory` }));
  }
  const env = { ...o.baseEnv };
  for (const [k, v] of task.env) env[k] = v;

  return new Promise((resolve) => {
    const outFd = fs.openSync(o.logOut, 'a', 0o600);
    const errFd = fs.openSync(o.logErr, 'a', 0o600);
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn('bash', ['-c', task.cmd], { cwd: task.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = child.pid;
    const stop = () => {
      if (pgid === undefined || killTimer) return;
      signalGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), o.killGraceMs);
    };
    const onCancel = () => {
      cancelled = true;
      stop();
    };
    const timeout = task.timeoutMs ? setTimeout(() => ((timedOut = true), stop()), task.timeoutMs) : undefined;
    if (pgid !== undefined) {
      o.onSpawn(pgid, processStart(pgid, true) ?? '0');
      if (o.cancel.aborted) onCancel();
      else o.cancel.addEventListener('abort', onCancel, { once: true });
    }
    child.stdout.on('data', (d: Buffer) => {
      o.stdout.write(d);
      fs.writeSync(outFd, d);
    });
    child.stderr.on('data', (d: Buffer) => {
      o.stderr.write(d);
      fs.writeSync(errFd, d);
    });
    // Leftovers in the group would hold our pipes open: kill them once the command is over.
    child.on('exit', () => pgid !== undefined && signalGroup(pgid, 'SIGKILL'));
    let spawnError: string | undefined;
    child.on('error', (err) => (spawnError = `spawn-error: ${err.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      o.cancel.removeEventListener('abort', onCancel);
      fs.closeSync(outFd);
      fs.closeSync(errFd);
      resolve(result({ exitCode: code, signal, timedOut, cancelled, startError: spawnError }));
    });
  });
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
