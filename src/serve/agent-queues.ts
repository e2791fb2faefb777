/**
 * The agents' work queues as the API shows them: counts from the index (no directory is read),
 * and for the turn each agent holds, its one file, read now (whether it was typed in yet).
 */
import { heldTurn, type HeldTurn, type QueueSummary } from '../agents/assign.js';
import { readAgentTask } from '../queue/agent-tasks.js';
import type { TaskIndex } from './task-index.js';
import { nameOf } from './task-entry.js';

/** Each agent's queue (or only `only`'s), by agent name; an agent with no turn has none here. */
export function agentQueues(index: TaskIndex, only?: string): Map<string, QueueSummary> {
  const out = new Map<string, QueueSummary>();
  for (const [agent, q] of index.agentQueues()) {
    if (only !== undefined && agent !== only) continue;
    // A turn settled since the index saw it (its file moved on) is no longer held.
    const f = q.current && readAgentTask(index.t, 'running', nameOf(q.current));
    out.set(agent, { current: f ? heldTurn(f.task) : undefined, waiting: q.waiting });
  }
  return out;
}

/** An agent's queue in an agent's JSON: `task` and `queued` as `agent status --json` has them, and the held turn in short. */
export function queueFields(q: QueueSummary | undefined): { task?: string; queued: number; turn?: HeldTurn } {
  return { task: q?.current?.id, queued: q?.waiting ?? 0, turn: q?.current };
}
