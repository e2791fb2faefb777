/**
 * The store seam, worker side: what a worker loop needs from wherever tasks are kept. The tree
 * (src/queue/worker-store.ts) is the first implementation; nothing above this interface knows
 * about directories, renames or locks.
 */
import type { Move, Dir } from '../queue/lifecycle.js';
import type { Task } from '../queue/task.js';

/** A task this worker holds: every later step acts only while the store still has it under `token`. */
export interface Claim {
  name: string;
  task: Task;
  /** Unique to this claim (fencing). */
  token: string;
}

/** What to look at next: a queued task by name, or nothing until `nextDue` (or an arrival). */
export type Next = { kind: 'task'; name: string } | { kind: 'idle'; nextDue?: number; empty: boolean };

/** How taking a task went. `skipped`: nothing to run (lost the race, rejected, doomed); `note` is for the pane. */
export type Taken =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'skipped'; note?: string }
  | { kind: 'no-space'; why: string };

/**
 * Where a settle went; `lost`: the task is no longer held under this claim, so nothing was touched.
 * `hooks`: the completion hooks started for a finished task, resolving to a line each for the pane.
 */
export type Settled = { kind: 'moved'; to: Dir; hooks?: Promise<string[]> } | { kind: 'lost'; why: string };

export interface Recovered {
  id: string;
  why: string;
  to: string;
}

export interface WorkerStore {
  /** Where the tasks are, for the worker's lines. */
  readonly where: string;
  /** Check the store is safe to take work from; throws an OrcError (exit 5 or 1) with the fix. */
  check(): void;
  /** Recover tasks whose runs were abandoned. */
  recover(): Promise<Recovered[]>;
  /** What to look at next. `refresh` first re-reads what is queued. */
  next(now: number, refresh: boolean): Next | Promise<Next>;
  /** Claim a task `next` named, under a fresh token. */
  take(name: string, token: string, now: number): Promise<Taken>;
  /** The record a claim appends when its run starts (the launcher writes it, with the task's process group). */
  startRecord(claim: Claim, worker: string, now: number): string;
  /** The task's log files. */
  logs(id: string): { out: string; err: string };
  /** The held task file, for the launcher. */
  file(claim: Claim): string;
  /** Whether a cancel was asked for this claim's run. */
  cancelRequested(claim: Claim): boolean | Promise<boolean>;
  /** The task as it is now in the store (with what its launcher recorded), if still held. */
  reread(claim: Claim): Task | undefined | Promise<Task | undefined>;
  /** Carry out `move` for a held task, fenced by its token. Throws on a fs error (a full disk): nothing changes then. */
  settle(claim: Claim, move: Move): Settled | Promise<Settled>;
  /** Give a claimed task back unchanged (its claim record could not be written). */
  giveBack(claim: Claim): void | Promise<void>;
  /** Wake-ups: wait until something arrives or `ms` pass; `pause` while busy; `poke` to end a wait. */
  wait(ms: number): Promise<void>;
  pause(): void;
  poke(): void;
  close(): void;
}
