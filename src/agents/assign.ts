/**
 * Work queues of agents, the user's side: `assign` queues an agent turn as a task of the tree
 * (AGENT=<name>), `done` settles the turn an agent holds with its one-line note, and a summary of
 * each agent's queue for `agent status` and `team status`. The dispatcher (dispatch.ts) delivers.
 */
import { fail } from '../errors.js';
import { last } from '../persist/codec.js';
import { formatDuration } from '../time.js';
import { AGENT_KEY, DONE_ON_IDLE_KEY, reported } from '../queue/agent-lifecycle.js';
import { AgentTaskIndex, findAgentTask, settleAgentTask } from '../queue/agent-tasks.js';
import type { NewTask } from '../queue/enqueue.js';
import type { Task } from '../queue/task.js';
import { treeStore } from '../queue/store.js';
import { tree } from '../queue/tree.js';
import { waitForEnd } from '../queue/wait.js';
import { iso } from '../time.js';
import { ensureDispatcher } from './dispatcher.js';
import { requireAgent } from './registry.js';
import { checkMessage } from './send.js';

/** What `assign` asks for: the queue options of a task, the agent and the text of its turn. */
export type AssignRequest = Omit<NewTask, 'cmd' | 'env' | 'everyMs' | 'cwd'> & {
  agent: string;
  text: string;
  /** Settle as done once the agent, after being busy, stayed idle this long. */
  doneOnIdleMs?: number;
};

/** `--done-on-idle` given without a duration (the API's `"doneOnIdle": true`) means this long. */
export const DONE_ON_IDLE_DEFAULT = '30s';

/**
 * Queue a turn for an agent (unknown agent: not-found, exit 3) and make sure its session has a
 * dispatcher. The turn is queued either way: `warning` says why no dispatcher could be started.
 */
export async function assign(root: string, req: AssignRequest, env: NodeJS.ProcessEnv = process.env): Promise<{ id: string; warning?: string }> {
  checkMessage(req.text);
  const rec = requireAgent(root, req.agent);
  const { agent, text, doneOnIdleMs, ...spec } = req;
  const id = await treeStore(tree(root)).enqueue({
    ...spec,
    cmd: text,
    cwd: rec.cwd,
    extra: [[AGENT_KEY, agent], ...(doneOnIdleMs === undefined ? [] : [[DONE_ON_IDLE_KEY, formatDuration(doneOnIdleMs)] as [string, string]])],
  });
  try {
    await ensureDispatcher(root, rec.socket, rec.session, env);
  } catch (err) {
    return { id, warning: `queued, but no dispatcher could be started in session ${rec.session} (${(err as Error).message}); run tmux-orc agent dispatch --session ${rec.session}` };
  }
  return { id };
}

/** What `done` settled. */
export interface Reported {
  id: string;
  agent: string;
  /** Where the task went: done, failed, or back to the queue (a failure with retries left). */
  to: string;
}

/**
 * Settle the turn an agent holds: the given ID, which must be running and this agent's, or the
 * task the agent holds now (`me`, from ORC_AGENT in its window). Anything else is refused, saying
 * what the task is doing (conflict, exit 4; unknown ID: exit 3).
 */
export async function reportDone(root: string, o: { id?: string; note: string; ok: boolean; me?: string }): Promise<Reported> {
  const t = tree(root);
  let name: string;
  let agent: string;
  let id: string;
  if (o.id !== undefined) {
    const f = findAgentTask(t, o.id);
    if (!f) throw fail('not-found', `no task ${o.id} in ${root}`);
    if (f.task && !f.agent) throw fail('conflict', `task ${o.id} is a shell task, not an agent's turn: nothing to report`);
    if (o.me && f.agent !== o.me) throw fail('conflict', `task ${o.id} is ${f.agent}'s, not yours (${o.me}): not settled`);
    if (f.dir !== 'running') throw fail('conflict', `task ${o.id} is not being worked on (it is ${f.dir === 'queue' ? 'queued' : f.dir}${f.task?.status ? `, ${f.task.status}` : ''}): not settled`);
    [name, agent, id] = [f.name, f.agent!, o.id];
  } else {
    if (!o.me) throw fail('usage', 'which task? give its ID (tmux-orc done ID "note"), or run this in the agent\'s window (ORC_AGENT is set there)');
    const held = new AgentTaskIndex(t).list('running').filter((f) => f.agent === o.me);
    if (held.length === 0) throw fail('conflict', `agent ${o.me} holds no task now: nothing to settle (tmux-orc agent status ${o.me})`);
    [name, agent, id] = [held[0].name, o.me, held[0].task.id];
  }
  const current = findAgentTask(t, id)?.task;
  const token = current?.owner?.claim;
  if (!current || !token) throw fail('conflict', `task ${id} is not held by its agent's dispatcher yet: not settled`);
  const now = Date.now();
  const m = reported(current, o.ok, o.note, now);
  const r = await settleAgentTask(t, name, token, m, `${iso(now)} ${agent} reported ${o.ok ? 'done' : 'failed'}${o.note ? `: ${o.note}` : ''}`);
  if (r.kind === 'lost') throw fail('conflict', `task ${id} was not settled: ${r.why}`);
  return { id, agent, to: r.to };
}

/** `assign --wait`: block until the task is settled; its note and whether it is done. */
export async function waitHandoff(root: string, id: string): Promise<{ ok: boolean; status: string; note?: string; reason?: string }> {
  const t = tree(root);
  const o = await waitForEnd(t, id);
  const task = findAgentTask(t, id)?.task;
  return { ok: o.dir === 'done', status: o.status, note: task ? last(task.fields, 'NOTE') : undefined, reason: o.reason };
}

/** Each agent's queue: the task it holds (ID and first line) and how many wait. */
export interface QueueSummary {
  current?: HeldTurn;
  waiting: number;
}

/** The turn an agent holds, in short: its ID, the first line of its text, whether it was typed in yet. */
export interface HeldTurn {
  id: string;
  text: string;
  delivered: boolean;
}

export const heldTurn = (task: Task): HeldTurn => {
  const first = task.cmd.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return { id: task.id, text: first.length > 50 ? `${first.slice(0, 49)}…` : first, delivered: last(task.fields, 'DELIVERED') !== undefined };
};

export function queueSummary(root: string): Map<string, QueueSummary> {
  const index = new AgentTaskIndex(tree(root));
  const out = new Map<string, QueueSummary>();
  const get = (a: string) => out.get(a) ?? (out.set(a, { waiting: 0 }), out.get(a)!);
  for (const f of index.list('running')) get(f.agent).current = heldTurn(f.task);
  for (const f of index.list('queue')) get(f.agent).waiting++;
  return out;
}
