/**
 * Agent turns on the tree (the AgentQueue seam, turns.ts): tasks with AGENT=<name> in queue/ and
 * running/, claimed by a detached holder (agent-holder.pl) that keeps them held while the agent's
 * process lives; settled fenced by the claim token; recovered by the tree's recovery. What it
 * does is unchanged from before the seam (docs/agent-queue.md).
 */
import { claimForAgent } from '../queue/agent-claim.js';
import { AgentTaskIndex, appendLog, failQueued, settleAgentTask, type AgentTaskFile } from '../queue/agent-tasks.js';
import { cancelMarker } from '../queue/cancel-marker.js';
import { readiness, type DepState } from '../queue/lifecycle.js';
import { judge, recoverStale } from '../queue/recover.js';
import { ensureTree, find, tree, type Tree } from '../queue/tree.js';
import type { AgentQueue, AgentWork, Turn } from './turns.js';

export function treeTurns(root: string, say: (line: string) => void): AgentQueue {
  const t: Tree = tree(root);
  ensureTree(t);
  const index = new AgentTaskIndex(t);
  const deps = new Map<string, { state: DepState; at: number }>();
  /** Each agent's ready turns, in dispatch order, as the last scan found them. */
  let ready = new Map<string, AgentTaskFile[]>();

  /**
   * Where a dependency is, looked up at most once a second (a look reads every state directory);
   * done is remembered for good (only a failed task comes back, by tasks-retry).
   */
  const depState = (id: string): DepState => {
    const known = deps.get(id);
    if (known && (known.state === 'done' || Date.now() - known.at < 1000)) return known.state;
    const f = find(t, id);
    const state: DepState = !f ? 'missing' : f.dir === 'done' ? 'done' : f.dir === 'failed' ? 'failed' : 'pending';
    deps.set(id, { state, at: Date.now() });
    return state;
  };

  const turnOf = (f: AgentTaskFile): Turn => ({ id: f.task.id, agent: f.agent, task: f.task, ref: f.name });

  return {
    where: root,
    scan: async (agents) => {
      const out = new Map<string, AgentWork>();
      const get = (a: string) => out.get(a) ?? (out.set(a, { held: [], waiting: false }), out.get(a)!);
      for (const f of index.list('running')) if (agents.has(f.agent)) get(f.agent).held.push(turnOf(f));
      const now = Date.now();
      ready = new Map();
      for (const q of index.list('queue')) {
        if (!agents.has(q.agent) || out.get(q.agent)?.held.length) continue; // another session's, or not given while it holds one
        const r = readiness(q.task, now, depState);
        if (r.kind === 'doomed') {
          if (await failQueued(t, q.name, r.move)) say(`${q.task.id} → failed: ${r.move.append.find(([k]) => k === 'REASON')?.[1]}`);
        } else if (r.kind === 'ready') {
          ready.set(q.agent, [...(ready.get(q.agent) ?? []), q]);
          get(q.agent).waiting = true;
        }
      }
      return out;
    },
    alive: async (turn) => judge(t, turn.ref).kind === 'alive',
    cancelRequested: async (turn) => turn.task.owner?.claim !== undefined && cancelMarker(t, turn.id) === turn.task.owner.claim,
    holds: async (agent) => index.list('running', true).some((f) => f.agent === agent),
    claimNext: async (agent, watch) => {
      for (const q of ready.get(agent) ?? []) {
        const now = Date.now();
        const token = `${process.pid}-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
        const reply = await claimForAgent(t, { name: q.name, agent, token, attempt: q.task.attempt, watch, now });
        if (reply.kind === 'gone' || reply.kind === 'busy') continue; // taken meanwhile (cancelled, or another dispatcher's)
        if (reply.kind !== 'claimed') {
          say(`${q.task.id}: could not claim (${'reason' in reply ? reply.reason : reply.kind})`);
          return undefined;
        }
        const h = index.list('running', true).find((f) => f.name === q.name);
        return h && turnOf(h);
      }
      return undefined;
    },
    settle: async (turn, move, log) => {
      const token = turn.task.owner?.claim;
      if (!token) return { kind: 'lost', why: `${turn.id} has no claim` };
      const r = await settleAgentTask(t, turn.ref, token, move, log);
      return r.kind === 'moved' ? { kind: 'moved', to: r.to } : r;
    },
    log: async (turn, text) => appendLog(t, turn.id, text),
    recover: async () => (await recoverStale(t)).map((r) => `${r.id}: ${r.why} → ${r.to}`),
    close: async () => {},
  };
}
