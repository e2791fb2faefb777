/**
 * The worker loop. One tick: pick the next runnable queued task (due, dependencies done, in
 * name order), claim it with one rename, run it, append the result, move the file. Around it:
 * registration and heartbeat, stale recovery at start and periodically, and the stop protocol
 * (first SIGINT/SIGTERM drains, a second SIGINT cancels and requeues the current task).
 */
import { afterRun, interrupted, type RunResult } from '../queue/lifecycle.js';
import { HOST, processStart } from '../persist/proc.js';
import { recoverStale, sweepTmp } from '../queue/recover.js';
import { apply, claim, record } from '../queue/transitions.js';
import { checkSafe, ensureTree, logPath, move, readTask, taskPath, tree, type Tree } from '../queue/tree.js';
import { freeWorkerId, HEARTBEAT_MS, register } from '../queue/workers.js';
import { iso, formatDuration } from '../time.js';
import { QueueView, type Pick as Choice } from './queue-view.js';
import { describe } from '../errors.js';
import { runTask } from './runner.js';
import { createLauncher, type Launcher } from './launcher.js';
import { watchQueue, type Waker } from './wake.js';

export interface WorkerOptions {
  root: string;
  /** Worker number or name; default: the lowest free number on this host. */
  id?: string;
  /** Claim only tasks with this LABEL. */
  label?: string;
  /** No watcher: rescan every `rescanMs` (network filesystems). */
  poll?: boolean;
  /** How often the queue directory is read again, busy or idle (at most 2% of the time for a huge queue). */
  rescanMs?: number;
  /** How often running tasks of dead workers are looked for. */
  staleCheckMs?: number;
  /** SIGTERM → SIGKILL grace for timeouts and cancels. */
  killGraceMs?: number;
  /** Exit when nothing is queued for this worker (batch runs, benchmarks). */
  untilEmpty?: boolean;
  /** Where the pane lines go. */
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

export async function runWorker(opts: WorkerOptions): Promise<void> {
  const o = { rescanMs: opts.poll ? 500 : 2000, staleCheckMs: 10_000, killGraceMs: 5000, out: process.stdout, err: process.stderr, ...opts };
  // A pane or pipe that went away must not take the worker with it (EPIPE on write).
  for (const stream of [o.out, o.err] as NodeJS.WritableStream[]) stream.on('error', () => {});
  const t = tree(o.root);
  ensureTree(t);
  checkSafe(t);
  const id = o.id ?? freeWorkerId(t);
  const reg = register(t, id);
  // Lines that come together (a task's end and the next one's start) go out in one write: one
  // wake-up of whatever shows the pane, not two. A start line is written at once, before the
  // task's own output.
  let pending = '';
  let later: NodeJS.Immediate | undefined;
  const flush = () => {
    clearImmediate(later);
    later = undefined;
    if (pending) o.out.write(pending);
    pending = '';
  };
  const say: Say = (line, now = false) => {
    pending += `${iso(Date.now()).slice(11, 19)} worker-${id} ${line}\n`;
    if (now) flush();
    else later ??= setImmediate(flush);
  };
  const view = new QueueView(t, o.label);
  const launcher = createLauncher({ out: o.out, err: o.err });
  let waker: Waker | undefined;
  const stop = { draining: false, cancel: new AbortController() };
  let current: string | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.draining) {
      stop.draining = true;
      say(current ? `${sig}: draining — finishing ${current}; press C-c again to cancel and requeue it` : `${sig}: stopping`);
      waker?.poke();
    } else if (sig === 'SIGINT' && current) {
      say(`SIGINT again: cancelling ${current} and requeueing it`);
      stop.cancel.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timers = [setInterval(reg.heartbeat, HEARTBEAT_MS), setInterval(() => void recover(), o.staleCheckMs)];
  let recovering = false;
  const recover = async () => {
    if (recovering) return;
    recovering = true;
    try {
      for (const r of await recoverStale(t)) say(`recovered ${r.id} (${r.why}) → ${r.to}`);
    } catch (err) {
      say(`stale check failed: ${(err as Error).message}`);
    } finally {
      recovering = false;
    }
  };

  const act = async (pick: Exclude<Choice, { kind: 'idle' }>) => {
    if (pick.kind === 'invalid') {
      if (move(t, 'queue', pick.name, 'failed')) say(`rejected ${pick.name}: ${pick.reason} → failed`);
    } else if (pick.kind === 'doomed') {
      if (claim(t, pick.name)) {
        apply(t, 'running', pick.name, pick.task, pick.move);
        view.finished(pick.task.id, 'failed');
        say(`failed ${pick.task.id}: ${pick.move.append.find(([k]) => k === 'REASON')?.[1]}`);
      }
    } else if (claim(t, pick.name)) {
      current = pick.name;
      await runClaimed(t, pick.name, id, o, stop, say, view, launcher);
    }
  };

  try {
    sweepTmp(t);
    await recover();
    waker = watchQueue(t.dir('queue'), view, !!o.poll);
    waker.listen(); // before the first read of the directory, so nothing arrives unheard
    say(`ready on ${t.root}${o.label ? ` (label ${o.label})` : ''}`);
    while (!stop.draining) {
      // The view is read again every rescanMs (longer for a huge queue), busy or idle: a busy
      // worker does not listen, and this is how it learns of a task that jumps the queue.
      if (view.stale(Date.now(), o.rescanMs)) view.rescan();
      const pick = view.next(Date.now());
      if (pick.kind === 'idle') {
        // Nothing to do: listen, and read the directory for what arrived while the worker was not.
        if (waker.listen()) {
          view.rescan();
          continue;
        }
        if (o.untilEmpty && pick.empty) break;
        const untilDue = pick.nextDue === undefined ? Infinity : pick.nextDue - Date.now();
        await waker.wait(Math.min(o.rescanMs, untilDue));
        continue;
      }
      waker.pause();
      view.drop(pick.name);
      try {
        await act(pick);
      } catch (err) {
        // One bad task, or a passing fs error, never kills the worker (DESIGN invariant 4).
        say(`error: ${describe(err)}`);
        if (current) failClaimed(t, current, `worker-error: ${describe(err)}`);
        await waker.wait(1000);
      } finally {
        current = undefined;
      }
    }
  } finally {
    timers.forEach(clearInterval);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    waker?.close();
    launcher.close();
    reg.unregister();
    say('stopped', true);
  }
}

/** A line for the pane; `now`: written at once, with any lines waiting. */
type Say = (line: string, now?: boolean) => void;

let ownStart: string | undefined;
/** This process's start time: with the pid, what names this worker to stale checks. Read once. */
const selfStart = () => (ownStart ??= processStart(process.pid) ?? '');

/** Move a task this worker holds to failed/ after an unexpected error, so it is never stuck in running/. */
function failClaimed(t: Tree, name: string, reason: string): void {
  try {
    const r = readTask(taskPath(t, 'running', name));
    if (r?.ok) apply(t, 'running', name, r.task, { to: 'failed', append: [['FINISHED', iso(Date.now())], ['STATUS', 'failed'], ['REASON', reason]] });
    else if (r) move(t, 'running', name, 'failed');
  } catch {
    // the tree itself is failing; stale recovery will find the task once we are gone
  }
}

/** Run a task this worker has just claimed, and move it on. */
async function runClaimed(
  t: Tree, name: string, id: string,
  o: Required<Pick<WorkerOptions, 'killGraceMs' | 'out' | 'err'>> & WorkerOptions,
  stop: { cancel: AbortController }, say: Say, view: QueueView, launcher: Launcher,
): Promise<void> {
  const read = readTask(taskPath(t, 'running', name));
  if (!read) return;
  if (!read.ok) {
    move(t, 'running', name, 'failed');
    say(`rejected ${name}: ${read.reason} → failed`);
    return;
  }
  const task = read.task;
  if (task.due > Date.now()) {
    // Our cached view was out of date (the file was requeued with a later DUE): put it back.
    move(t, 'running', name, 'queue');
    view.add(name);
    return;
  }
  const started = Date.now();
  record(t, 'running', name, [['ATTEMPT', String(task.attempt)], ['WORKER', id], ['HOST', HOST], ['WORKER_PID', String(process.pid)],
    ['WORKER_START', selfStart()], ['STARTED', iso(started)]]);
  say(`start ${task.id} (attempt ${task.attempt}): ${oneLine(task.cmd)}`, true);
  const result = await runTask({
    task,
    launcher,
    env: [['TASK_ID', task.id], ['TASK_ROOT', t.root], ['TASK_ATTEMPT', String(task.attempt)], ['WORKER_ID', id]],
    logOut: logPath(t, task.id, 'out'),
    logErr: logPath(t, task.id, 'err'),
    killGraceMs: o.killGraceMs,
    record: taskPath(t, 'running', name),
    cancel: stop.cancel.signal,
  });
  const now = Date.now();
  const interruptedByUs = stop.cancel.signal.aborted;
  const fresh = result.exitCode !== 0 || interruptedByUs ? readTask(taskPath(t, 'running', name)) : undefined;
  const cancelledByUser = !!(fresh?.ok && fresh.task.cancelRequested);
  const m = interruptedByUs && !cancelledByUser ? interrupted(now) : afterRun(task, { ...result, cancelled: cancelledByUser }, now);
  apply(t, 'running', name, fresh?.ok ? fresh.task : task, m);
  if (m.to === 'queue') view.add(name);
  else view.finished(task.id, m.to as 'done' | 'failed');
  say(`${endWord(m.to, m.append)} ${task.id}: ${summary(result)} in ${formatDuration(result.durationMs)}`);
}

function endWord(to: string, append: Array<[string, string]>): string {
  if (to === 'queue') return `requeued (${append.find(([k]) => k === 'STATUS')?.[1]})`;
  return to === 'done' ? 'done' : append.find(([k]) => k === 'STATUS')?.[1] ?? 'failed';
}

function summary(r: RunResult): string {
  if (r.startError) return r.startError;
  if (r.signal) return `signal ${r.signal}`;
  return `exit ${r.exitCode}`;
}

function oneLine(cmd: string): string {
  const s = cmd.replace(/\s*\n\s*/g, ' ⏎ ');
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}

