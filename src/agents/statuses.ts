/**
 * `agent status [target]`: the status of every agent, of one by name, or of any pane given as a
 * tmux target (judged by its activity alone when it is no agent of ours), with each agent's work
 * queue (the task it holds, how many wait). The CLI and the MCP server call this.
 */
import { queueSummary } from './assign.js';
import { withBackendTurns } from './assign-backend.js';
import { agentStatus, type AgentStatus } from './observe.js';
import { listAgents, requireAgent, type AgentRecord } from './registry.js';
import { isTmuxTarget, resolveTarget } from './resolve.js';
import { DEFAULT_STATUS_TIMING, type StatusTiming } from './status.js';

/** A status row and the agent's work queue: the task it holds (`tmux-orc assign`) and how many wait. */
export type AgentStatusRow = AgentStatus & { task?: string; queued: number };

/** One row per agent when `target` is undefined, else the one row of that target. */
export async function agentStatuses(root: string, target: string | undefined, timing: StatusTiming = DEFAULT_STATUS_TIMING): Promise<AgentStatusRow[]> {
  const rows: AgentStatus[] = [];
  if (target !== undefined && isTmuxTarget(target)) {
    const t = await resolveTarget(target, root);
    if (t.agent) rows.push(await agentStatus(root, t.agent, timing));
    else rows.push(await agentStatus(root, paneRecord(target, t.tmux.socket, t.info!.session), timing, { pane: t.info!.pane, key: `_pane${t.info!.pane.slice(1)}` }));
  } else {
    const recs = target === undefined ? listAgents(root) : [requireAgent(root, target)];
    for (const r of recs) rows.push(await agentStatus(root, r, timing));
  }
  const queues = await withBackendTurns(root, listAgents(root).filter((r) => rows.some((s) => s.name === r.name)), queueSummary(root));
  return rows.map((s) => ({ ...s, task: queues.get(s.name)?.current?.id, queued: queues.get(s.name)?.waiting ?? 0 }));
}

/** A stand-in record for a pane that is no agent of ours: no patterns, judged by activity alone. */
function paneRecord(target: string, socket: string, session: string): AgentRecord {
  return { name: target, role: '-', preset: 'custom', command: '', cwd: '', env: [], brief: '', socket, session, patterns: {}, created: 0 };
}
