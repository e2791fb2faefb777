/**
 * The seam between the dispatcher (dispatch.ts) and wherever agent turns are kept: the tree
 * (tree-turns.ts) or the Redis backend (src/redis/agent-queue.ts). The dispatcher's loop and its
 * decisions (dispatch-policy.ts) are the same over both; each queue keeps its own holds.
 */
import type { Move } from '../queue/lifecycle.js';
import type { Task } from '../queue/task.js';

/** A turn the dispatcher looks at: queued, or held by an agent. */
export interface Turn {
  id: string;
  agent: string;
  /** The task as it is now (with its claim record while held). */
  task: Task;
  /** The queue's own handle (a file name on the tree, the task ID on Redis). */
  ref: string;
}

/** What one agent has in one queue this tick. */
export interface AgentWork {
  held: Turn[];
  /** Some turn may be ready to give (the queue decides when it is claimed). */
  waiting: boolean;
}

/** How a settle went. */
export type TurnMoved = { kind: 'moved'; to: string } | { kind: 'lost'; why: string };

/** The process whose life holds a turn: the agent's pane's pid and its start time. */
export interface Watch {
  pid: number;
  start: string;
}

export interface AgentQueue {
  /** Where the turns are, for the dispatcher's lines. */
  readonly where: string;
  /** Once a tick: the turns each of `agents` holds and whether it has any waiting. */
  scan(agents: ReadonlySet<string>): Promise<Map<string, AgentWork>>;
  /** Whether a held turn is still held (false: its agent's process is gone, or its hold was lost). */
  alive(turn: Turn): Promise<boolean>;
  /** Whether a cancel was asked for this held turn. */
  cancelRequested(turn: Turn): Promise<boolean>;
  /** Whether the agent holds a turn here now (read fresh: the check before a claim). */
  holds(agent: string): Promise<boolean>;
  /** Claim the agent's next ready turn (priority, then FIFO), held while `watch` lives; undefined when none is ready. */
  claimNext(agent: string, watch: Watch): Promise<Turn | undefined>;
  /** Carry out `move` on a held turn, fenced by its claim; `log` goes to its output log first. */
  settle(turn: Turn, move: Move, log?: string): Promise<TurnMoved>;
  /** Append to a turn's output log (what was delivered). */
  log(turn: Turn, text: string): Promise<void>;
  /** Requeue (attempt + 1) or fail the held turns that are no longer held; a line each. */
  recover(turns: Turn[]): Promise<string[]>;
  close(): Promise<void>;
}
