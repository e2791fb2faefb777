/**
 * Looking at an agent's pane and keeping its debounced status between looks, in
 * `<root>/agents/.status/<name>.json` (a dot directory: agent names cannot start with a dot).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureTree, tree } from '../queue/tree.js';
import { writeAtomic } from '../persist/atomic.js';
import { tmuxClient } from '../tmux/client.js';
import { readScreen, paneInfo } from './pane.js';
import { compilePattern } from './presets.js';
import { agentsDir, type AgentRecord } from './registry.js';
import { classify, debounce, DEFAULT_STATUS_TIMING, type AgentState, type Debounced, type Observation, type StatusTiming } from './status.js';
import { existingPane } from './window.js';

const statusDir = (root: string): string => path.join(agentsDir(root), '.status');
const statusFile = (root: string, name: string): string => path.join(statusDir(root), `${name}.json`);

/** Forget an agent's debounced status (it was just started or killed). */
export function clearStatus(root: string, name: string): void {
  fs.rmSync(statusFile(root, name), { force: true });
}

/** A debounced status, and the process it was seen in: the pane and its pid. */
type Kept = Debounced & { pane?: string; pid?: number };

function loadStatus(root: string, name: string): Kept | undefined {
  try {
    return JSON.parse(fs.readFileSync(statusFile(root, name), 'utf8')) as Kept;
  } catch {
    return undefined;
  }
}

function saveStatus(root: string, name: string, d: Kept): void {
  const t = tree(root);
  ensureTree(t);
  fs.mkdirSync(statusDir(root), { recursive: true, mode: 0o700 });
  writeAtomic(t.dir('tmp'), statusFile(root, name), JSON.stringify(d));
}

/** An agent's status as `agent status` reports it. */
export interface AgentStatus {
  name: string;
  role: string;
  state: AgentState;
  reason: string;
  /** When the reported state began, ISO time. */
  since: string;
  /** The last output in its pane, ISO time (undefined when there is no pane). */
  lastActivity?: string;
  /** Seconds since that output. */
  idleSeconds?: number;
  pane?: string;
  /** What this one look saw, before debouncing. */
  observed: { state: AgentState; reason: string };
  /** A state seen but not yet held long enough to be reported. */
  pending?: AgentState;
}

/**
 * Look at the agent once, fold the look into its debounced status, and report. `pane` and `key`
 * serve plain tmux targets: the pane to look at and the name its status is kept under.
 */
export async function agentStatus(root: string, rec: AgentRecord, timing: StatusTiming = DEFAULT_STATUS_TIMING, opts: { pane?: string; key?: string } = {}): Promise<AgentStatus> {
  const now = Date.now();
  const tmux = tmuxClient(rec.socket);
  const key = opts.key ?? rec.name;
  const paneId = opts.pane ?? (await existingPane(tmux, rec));
  const info = paneId ? await paneInfo(tmux, paneId) : undefined;
  const screen = info && !info.dead ? await readScreen(tmux, info.pane).catch(() => undefined) : undefined;
  let obs: Observation;
  try {
    obs = classify(
      {
        now,
        pane: info,
        goneReason: `no window ${rec.session}:${rec.name} on tmux socket ${rec.socket} (tmux-orc agent revive ${rec.name})`,
        screen,
        patterns: {
          ready: compilePattern(rec.patterns.ready, 'ready'),
          busy: compilePattern(rec.patterns.busy, 'busy'),
          waiting: compilePattern(rec.patterns.waiting, 'waiting'),
          login: compilePattern(rec.patterns.login, 'login'),
        },
        started: rec.started ?? rec.created,
      },
      timing,
    );
  } catch (err) {
    obs = { state: 'unknown', reason: (err as Error).message, at: now };
  }
  // A status belongs to one process. An agent revived (or its pane respawned) starts afresh: the
  // old process's `idle`, held over by the debounce, would have work typed into a pane whose agent
  // has not started yet, where the shell's line discipline would split it at every newline.
  const prev = loadStatus(root, key);
  const d = debounce(prev && prev.pane === info?.pane && prev.pid === info?.pid ? prev : undefined, obs, timing.debounceMs);
  saveStatus(root, key, { ...d, pane: info?.pane, pid: info?.pid });
  return {
    name: rec.name,
    role: rec.role,
    state: d.state,
    reason: d.reason,
    since: new Date(d.since).toISOString(),
    lastActivity: info ? new Date(info.activity).toISOString() : undefined,
    idleSeconds: info ? Math.max(0, Math.round((now - info.activity) / 1000)) : undefined,
    pane: info?.pane,
    observed: { state: obs.state, reason: obs.reason },
    pending: d.candidate,
  };
}
