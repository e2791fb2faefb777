/**
 * What `assign` and `done` need of the Redis backend beyond the store seam, from any host: who
 * serves an agent (its dispatcher's presence), and settling a held turn (agent-jobs.ts).
 */
import { parseBackend } from './connect.js';
import { open, type Conn } from './queue.js';
import { heldEntries, presenceOf, reportTurn, turnJob, type Presence, type TurnReported } from './agent-jobs.js';
import { textOf } from './queue.js';
import { taskFromText } from '../queue/tree.js';
import type { Task } from '../queue/task.js';

export interface TurnCommands {
  /** Where the dispatcher serving `agent` is (published every few seconds), if one ever did. */
  presence(agent: string): Promise<Presence | undefined>;
  report(o: { id?: string; note: string; ok: boolean; me?: string }): Promise<TurnReported>;
  /** For `agent status` and `team status`: each agent's held turn (its task) and how many of its turns wait. */
  summary(agents: string[]): Promise<Map<string, { held?: Task; waiting: number }>>;
  close(): Promise<void>;
}

export function turnCommands(url: string): TurnCommands {
  const backend = parseBackend(url);
  let conn: Promise<Conn> | undefined;
  const c = () => (conn ??= open(backend));
  return {
    presence: async (agent) => presenceOf(await c(), agent),
    report: async (o) => reportTurn(await c(), backend.where, o),
    summary: async (agents) => {
      const k = await c();
      const out = new Map<string, { held?: Task; waiting: number }>();
      const known = new Set(await k.client.smembers(k.key('agent-queues')));
      const held = await heldEntries(k);
      for (const a of agents.filter((x) => known.has(x))) {
        const counts = await k.agentQueue(a).getJobCounts('wait', 'prioritized', 'delayed');
        const h = held.find((e) => e.agent === a);
        const job = h && (await turnJob(k, a, h.id));
        const r = job ? taskFromText(textOf(job) ?? '', h!.id) : undefined;
        out.set(a, { held: r?.ok ? r.task : undefined, waiting: Object.values(counts).reduce((x, y) => x + y, 0) });
      }
      return out;
    },
    close: async () => (await conn?.catch(() => undefined))?.close(),
  };
}
