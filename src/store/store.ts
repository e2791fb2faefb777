/**
 * The store seam, command side: the verbs the commands (and, later, the server) use on wherever
 * tasks are kept. The tree (src/queue/store.ts) is the first implementation; a second backend
 * implements this and WorkerStore (worker-store.ts), and the commands do not change.
 */
import type { Dir } from '../queue/lifecycle.js';
import type { Task } from '../queue/task.js';
import type { NewTask, Bulk } from '../queue/enqueue.js';
import type { CancelOutcome } from '../queue/cancel.js';
import type { CleanOptions, Cleaned } from '../queue/clean.js';
import type { Health, TaskRow } from '../queue/list.js';
import type { Outcome, WaitHooks } from '../queue/wait.js';
import type { TailOptions } from '../queue/tail.js';
import type { WorkerInfo } from '../queue/workers.js';
import type { Recovered } from './worker-store.js';
import type { Paused } from '../queue/pause.js';
import type { Edit } from '../queue/edit.js';
import type { Place } from '../queue/move.js';
import type { GroupInfo } from '../queue/groups.js';

export interface Store {
  /** Where the tasks are, for messages (a tree's root; later a URL). */
  readonly where: string;
  /** Queue one task; resolves to its ID. */
  enqueue(spec: NewTask, opts?: { now?: number; fsync?: boolean }): Promise<string>;
  /** Queue many commands with the same options; stops at the first that cannot be queued (a full disk); `onQueued` gets the count so far. */
  enqueueMany(spec: Omit<NewTask, 'cmd'>, cmds: string[], now?: number, onQueued?: (n: number) => void): Bulk | Promise<Bulk>;
  /** Where a task is and what it says (`task` undefined for a file that is not a valid task). */
  get(id: string): Promise<{ state: Dir; task?: Task } | undefined>;
  /** The valid tasks in one state, in dispatch order. */
  tasks(state: Dir): Promise<Task[]>;
  /** Rows of one state or all, in dispatch order. */
  list(which: Dir | 'all'): Promise<TaskRow[]>;
  /** Cancel a task; "cancelled" only once it has ended cancelled. */
  cancel(id: string, opts?: { waitMs?: number; graceMs?: number }): Promise<CancelOutcome>;
  /** A finished task (failed or done) back to the queue, with a fresh attempt. */
  retry(id: string): Promise<void>;
  /** Remove a finished task and its logs (refused, exit 4, for one not finished). */
  remove(id: string): Promise<void>;
  /** Stop new claims, of the whole queue or of one group; false when it was paused already. Running tasks go on. */
  pause(group?: string): Promise<boolean>;
  /** Let claims go on again; false when it was not paused. */
  resume(group?: string): Promise<boolean>;
  /** What is paused now. */
  paused(): Promise<Paused>;
  /** Create a group or change its limit (live); resolves to the limit it had (undefined: new). */
  setGroup(name: string, parallel: number): Promise<{ before?: number }>;
  /** Every group: those set and those only tasks name, with their running and queued counts. */
  groups(): Promise<GroupInfo[]>;
  /** Remove a group: refused (exit 4) while a task of it is queued or running; exit 3 when there is none. */
  removeGroup(name: string): Promise<void>;
  /** Keep a queued task from being claimed until it is released. */
  hold(id: string): Promise<'held' | 'already'>;
  release(id: string): Promise<'released' | 'already'>;
  /** Change a queued or held task, atomically against claims (exit 4 when a worker took it first). */
  edit(id: string, e: Edit): Promise<'queue' | 'held'>;
  /** Reorder a queued or held task within its priority; resolves to its new file name. */
  move(id: string, place: Place): Promise<string>;
  retryAllFailed(): Promise<string[]>;
  /** Remove finished tasks and their logs, by age or count. */
  clean(o: CleanOptions): Promise<Cleaned[]>;
  /** Recover runs whose holders are gone. */
  recover(): Promise<Recovered[]>;
  /** Counts, abandoned runs, the oldest queued age, workers; problems make it unhealthy. */
  health(): Promise<Health>;
  workers(): Promise<WorkerInfo[]>;
  /** Wait until every task has ended, or one with `hooks.any` (each outcome through `hooks.onEnd`). */
  waitForAll(ids: string[], hooks?: WaitHooks): Promise<Outcome[]>;
  /** A task's output: the last lines, or followed until it ends. */
  tail(id: string, o: TailOptions): Promise<Outcome | undefined>;
  /** Let go of connections (a backend's; the tree has none). */
  close?(): Promise<void>;
}
