/**
 * What `tmux-orc top` shows, read straight from the tree with the library functions behind
 * tasks-health (counts, oldest queued, workers and their tasks), tasks-list (the failed rows) and
 * agent status. No server is needed. A Sampler keeps what it read of failed/ between looks, so a
 * refresh reads only the failed files that are new.
 */
import { health } from '../queue/list.js';
import { rowsFor, type TaskRow } from '../queue/list-rows.js';
import { listNames, type Tree } from '../queue/tree.js';
import type { Dir } from '../queue/lifecycle.js';
import type { WorkerInfo } from '../queue/workers.js';
import { listAgents } from '../agents/registry.js';
import { agentStatus, type AgentStatus } from '../agents/observe.js';

/** One look at the tree. */
export interface Snapshot {
  at: number;
  root: string;
  counts: Record<Dir, number>;
  oldestQueuedMs?: number;
  workers: WorkerInfo[];
  agents: AgentStatus[];
  /** The latest failures, newest first. */
  failures: TaskRow[];
  /** Running tasks abandoned by their holders (tasks-health --fix recovers them). */
  stale: number;
}

/** At most this many failed files are read at the first look (the latest by name); later looks add only new ones. */
const FIRST_FAILED = 200;
/** Failures kept for display. */
const KEEP_FAILURES = 50;

export interface Sampler {
  /** Look at the tree (and, when asked, at the agents' panes, which costs tmux calls). */
  sample(withAgents: boolean): Promise<Snapshot>;
}

export function sampler(t: Tree, now: () => number = Date.now): Sampler {
  const failed = new Map<string, TaskRow>();
  let first = true;
  let agents: AgentStatus[] = [];
  const readFailures = (at: number): TaskRow[] => {
    const names = listNames(t, 'failed');
    const present = new Set(names);
    for (const n of failed.keys()) if (!present.has(n)) failed.delete(n);
    const fresh = names.filter((n) => !failed.has(n));
    const toRead = first ? fresh.slice(-FIRST_FAILED) : fresh;
    first = false;
    for (const r of rowsFor(t, { dir: 'failed', names: toRead }, at)) failed.set(r.file.slice(r.file.lastIndexOf('/') + 1), r);
    const rows = [...failed.values()].sort((a, b) => (b.finished ?? '').localeCompare(a.finished ?? ''));
    // Only the latest are kept: memory stays flat however many tasks fail.
    for (const r of rows.slice(KEEP_FAILURES)) failed.delete(r.file.slice(r.file.lastIndexOf('/') + 1));
    return rows.slice(0, KEEP_FAILURES).map((r) => ({ ...r, ageMs: r.finished ? at - Date.parse(r.finished) : r.ageMs }));
  };
  return {
    async sample(withAgents) {
      const at = now();
      const h = health(t, at);
      if (withAgents) agents = await readAgents(t.root);
      return { at, root: t.root, counts: h.counts, oldestQueuedMs: h.oldestQueuedMs, workers: h.workers, agents, failures: readFailures(at), stale: h.stale.length };
    },
  };
}

async function readAgents(root: string): Promise<AgentStatus[]> {
  const out: AgentStatus[] = [];
  for (const rec of listAgents(root)) out.push(await agentStatus(root, rec).catch((err: Error) => ({ name: rec.name, role: rec.role, state: 'unknown' as const, reason: err.message, since: new Date().toISOString(), observed: { state: 'unknown' as const, reason: err.message } })));
  return out;
}
