/**
 * Turning what the user typed (an agent name, `session:window[.pane]`, `%12`) into one pane id,
 * once, before anything is sent: everything after that addresses the immutable id.
 */
import { config } from '../config.js';
import { fail } from '../errors.js';
import { tmuxClient, type TmuxClient } from '../tmux/client.js';
import { paneInfo, type PaneInfo } from './pane.js';
import { listAgents, loadAgent, nameProblem, saveAgent, type AgentRecord } from './registry.js';

/** A resolved target: the pane (undefined when it is gone) and the agent, if it is one. */
export interface Target {
  /** What the user typed. */
  spec: string;
  tmux: TmuxClient;
  agent?: AgentRecord;
  info?: PaneInfo;
}

/** True when the text is a tmux target rather than an agent name. */
export const isTmuxTarget = (s: string): boolean => s.includes(':') || /^[%@$]\d+$/.test(s);

/**
 * Resolve a target. An agent name is looked up in the registry (its last pane id, else its window
 * by exact name, which is how a revived agent is found); a bare name that is no agent but a window
 * of the current session works too. Throws not-found for a name nobody knows.
 */
export async function resolveTarget(spec: string, root: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const cfg = config(env);
  if (spec.trim() === '') throw fail('usage', 'empty target: give an agent name or session:window[.pane]');
  if (isTmuxTarget(spec)) {
    const tmux = tmuxClient(cfg.socket);
    const info = await paneInfo(tmux, spec);
    if (!info) throw fail('not-found', `unknown target ${JSON.stringify(spec)}: no such pane on tmux socket ${cfg.socket}`);
    // The pane of one of our agents: treat it as that agent (its patterns, its log name).
    const agent = root === undefined ? undefined : listAgents(root).find((a) => a.pane === info.pane && a.socket === cfg.socket);
    return { spec, tmux, info, agent };
  }
  const agent = root !== undefined && !nameProblem(spec) ? loadAgent(root, spec) : undefined;
  if (agent) {
    const tmux = tmuxClient(agent.socket);
    let info = agent.pane ? await paneInfo(tmux, agent.pane) : undefined;
    if (!info || info.windowName !== agent.name) {
      info = await paneInfo(tmux, `${agent.session}:${agent.name}`);
      if (info && root !== undefined && info.pane !== agent.pane) saveAgent(root, { ...agent, pane: info.pane });
    }
    return { spec, tmux, agent, info };
  }
  const tmux = tmuxClient(cfg.socket);
  const info = await paneInfo(tmux, `${cfg.session}:${spec}`);
  if (info) return { spec, tmux, info };
  throw fail('not-found', `unknown target ${JSON.stringify(spec)}: no agent of that name and no window ${cfg.session}:${spec} on tmux socket ${cfg.socket}`);
}
