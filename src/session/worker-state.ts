/**
 * What the worker of each worker pane is doing, from the queue's worker registry
 * (`<root>/workers/<host>.<id>`). A registry entry whose process is gone was not removed by a
 * clean exit: that worker crashed (or was killed), and `status` says so.
 */
import { listWorkers, type WorkerInfo } from '../queue/workers.js';
import { HOST } from '../persist/proc.js';
import { tree } from '../queue/tree.js';
import type { Pane } from './panes.js';

/** The worker side of a worker pane. */
export type WorkerState =
  | { state: 'idle'; pid: number }
  | { state: 'busy'; pid: number; task: { id: string; cmd: string; started: number; elapsedMs: number } }
  | { state: 'crashed'; pid: number }
  | { state: 'stopped' };

/** Shells: a pane whose foreground command is one of these sits at a prompt. */
const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'fish', 'ksh', 'mksh', 'tcsh', 'csh', 'ash', 'busybox']);

/** True when the pane's foreground process is its shell (a prompt), not some program. */
export function atPrompt(p: Pane): boolean {
  return !p.dead && SHELLS.has(p.command.replace(/^-/, ''));
}

/** This host's registry entries by worker number (none without a tree). */
export function localWorkers(root: string | undefined): Map<number, WorkerInfo> {
  const byId = new Map<number, WorkerInfo>();
  if (root === undefined) return byId;
  for (const w of listWorkers(tree(root))) {
    if (w.host === HOST && /^\d+$/.test(w.id)) byId.set(Number(w.id), w);
  }
  return byId;
}

/** The state of worker `n` from its registry entry (undefined entry: no worker loop). */
export function stateOf(w: WorkerInfo | undefined, now = Date.now()): WorkerState {
  if (!w) return { state: 'stopped' };
  if (!w.alive) return { state: 'crashed', pid: w.pid };
  if (!w.task) return { state: 'idle', pid: w.pid };
  const { id, cmd, started } = w.task;
  return { state: 'busy', pid: w.pid, task: { id, cmd, started, elapsedMs: Math.max(0, now - started) } };
}

/** Why this worker pane may not be taken away or restarted now, or undefined when it may. */
export function busyReason(p: Pane, s: WorkerState): string | undefined {
  if (s.state === 'busy') return `worker-${p.worker} is busy with task ${s.task.id}`;
  if (s.state === 'stopped' && !p.dead && !atPrompt(p)) return `worker-${p.worker}'s pane is running ${p.command}`;
  return undefined;
}
