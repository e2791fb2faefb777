/**
 * Runs one held task through the launcher: `bash -c CMD` (or a plain line's program itself,
 * direct.ts) in its own process group, in its CWD, with its ENV on top of the worker's
 * environment. Timeouts and cancels signal the whole group: SIGTERM, then SIGKILL after a grace.
 */
import fs from 'node:fs';
import type { Task } from '../queue/task.js';
import type { RunResult } from '../queue/lifecycle.js';
import { signalGroup } from '../persist/proc.js';
import { nulIn, type Exit, type Launcher } from './launcher.js';
import { longTimeout } from './timer.js';

export interface RunOptions {
  task: Task;
  /** The pane's start line, written by the launcher once the run is recorded. */
  banner: string;
  launcher: Launcher;
  /** The held task file (the launcher records the claim and the task's group in it). */
  file: string;
  /** The claim record. */
  record: string;
  /** Variables set for the task on top of the worker's environment (TASK_ID, …). */
  env: Array<[string, string]>;
  logOut: string;
  logErr: string;
  /** Between SIGTERM and SIGKILL when a task is timed out or cancelled. */
  killGraceMs: number;
  /** Aborting it cancels the task (signal the group). */
  cancel: AbortSignal;
}

/** A run's result, plus what only the worker needs: the launcher's lease was lost (touch nothing). */
export type Outcome = RunResult & { lost?: boolean; noSpace?: boolean };

export async function runTask(o: RunOptions): Promise<Outcome> {
  const started = Date.now();
  const { task } = o;
  const result = (r: Partial<Outcome>): Outcome => ({
    exitCode: null, signal: null, timedOut: false, cancelled: false, durationMs: Date.now() - started, ...r,
  });
  if (task.cwd !== undefined && !isDir(task.cwd)) return result({ startError: `bad-cwd: ${task.cwd} is not a directory` });
  const req = { banner: o.banner, file: o.file, record: o.record, cmd: task.cmd, cwd: task.cwd, env: [...o.env, ...task.env], out: o.logOut, err: o.logErr };
  const nul = nulIn(req);
  if (nul) return result({ startError: `bad-task: ${nul} holds a NUL byte` });

  const launched = await o.launcher.launch(req);
  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signal = (sig: NodeJS.Signals) => {
    const pgid = launched.pgid();
    if (pgid !== undefined) signalGroup(pgid, sig);
  };
  // SIGTERM to the group, SIGKILL after the grace period. The group is recorded a moment after
  // the launch, before the command runs: until then, try again shortly.
  const stop = () => {
    if (killTimer) return;
    if (launched.pgid() === undefined) {
      killTimer = setTimeout(() => ((killTimer = undefined), stop()), 10);
      return;
    }
    signal('SIGTERM');
    killTimer = setTimeout(() => signal('SIGKILL'), o.killGraceMs);
  };
  const onCancel = () => ((cancelled = true), stop());
  const timeout = task.timeoutMs ? longTimeout(() => ((timedOut = true), stop()), task.timeoutMs) : undefined;
  let exit: Exit | undefined;
  try {
    if (o.cancel.aborted) onCancel();
    else o.cancel.addEventListener('abort', onCancel, { once: true });
    exit = await launched.exit;
    // Its record did not land, so it never ran and its file is as it was: give it back.
    const noSpace = exit.error?.startsWith('no-space') || exit.error?.startsWith('no-record');
    return result({ exitCode: exit.code, signal: exit.signal, timedOut, cancelled, startError: exit.error, lost: exit.lost, noSpace });
  } finally {
    // The launcher killed what the command left in its group; if it died, or we leave early, we do.
    if (!exit || (exit.error && !exit.lost)) signal('SIGKILL');
    timeout?.clear();
    clearTimeout(killTimer);
    o.cancel.removeEventListener('abort', onCancel);
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
