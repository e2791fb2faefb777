/** Stopping and reviving agents from their durable records. */
import { killWindow } from '../tmux/argv.js';
import { tmuxClient } from '../tmux/client.js';
import { clearStatus } from './observe.js';
import { listAgents, removeAgent, requireAgent, type AgentRecord } from './registry.js';
import { byRole } from './roles.js';
import { ensureScheduler } from './scheduler.js';
import { ensureDispatcher, sessionBackend } from './dispatcher.js';
import { queueSummary } from './assign.js';
import { briefAgent, isRunning, launchAgent } from './spawn.js';
import { existingPane } from './window.js';

/** Kill an agent's window and forget it. Its worktree, if any, is kept: it holds its work. */
export async function killAgent(root: string, name: string): Promise<{ name: string; window: boolean }> {
  const rec = requireAgent(root, name);
  const tmux = tmuxClient(rec.socket);
  const pane = await existingPane(tmux, rec);
  if (pane) await tmux.run(killWindow(pane)).catch(() => undefined);
  removeAgent(root, name);
  clearStatus(root, name);
  return { name, window: pane !== undefined };
}

/** What `agent revive` did for one agent. */
export interface Revival {
  name: string;
  result: 'running' | 'revived' | 'failed';
  error?: string;
}

/**
 * Restart every named agent (default: all) whose pane or tmux server died: same window name, cwd,
 * command and env; then brief them again, orchestrator first. Running agents are left alone.
 */
export async function reviveAgents(root: string, names: string[] = [], opts: { readyTimeoutMs?: number } = {}): Promise<Revival[]> {
  const recs = names.length ? names.map((n) => requireAgent(root, n)) : listAgents(root);
  const out: Revival[] = [];
  const launched: AgentRecord[] = [];
  for (const rec of byRole(recs)) {
    try {
      if (await isRunning(rec)) {
        out.push({ name: rec.name, result: 'running' });
        continue;
      }
      launched.push(await launchAgent(root, rec));
    } catch (err) {
      out.push({ name: rec.name, result: 'failed', error: (err as Error).message });
    }
  }
  const sessions = new Map(launched.map((r) => [`${r.socket}\0${r.session}`, r]));
  for (const r of sessions.values()) await ensureScheduler(root, r.socket, r.session);
  // Their work queues carry on (a tmux server restart took the dispatcher's window too).
  const queues = queueSummary(root);
  // (Turns on a backend are not counted here: a session whose dispatcher serves one gets it back.)
  for (const r of sessions.values()) if (launched.some((a) => a.session === r.session && (queues.has(a.name) || sessionBackend(root, r.session)))) await ensureDispatcher(root, r.socket, r.session);
  for (const rec of launched) {
    try {
      await briefAgent(root, rec, opts.readyTimeoutMs);
      out.push({ name: rec.name, result: 'revived' });
    } catch (err) {
      out.push({ name: rec.name, result: 'failed', error: (err as Error).message });
    }
  }
  return out;
}
