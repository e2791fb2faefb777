/**
 * What `assign` and `done` need of the Redis backend beyond the store seam, from any host: who
 * serves an agent (its dispatcher's presence), and settling a held turn (agent-jobs.ts).
 */
import { parseBackend } from './connect.js';
import { open, type Conn } from './queue.js';
import { presenceOf, reportTurn, type Presence, type TurnReported } from './agent-jobs.js';

export interface TurnCommands {
  /** Where the dispatcher serving `agent` is (published every few seconds), if one ever did. */
  presence(agent: string): Promise<Presence | undefined>;
  report(o: { id?: string; note: string; ok: boolean; me?: string }): Promise<TurnReported>;
  close(): Promise<void>;
}

export function turnCommands(url: string): TurnCommands {
  const backend = parseBackend(url);
  let conn: Promise<Conn> | undefined;
  const c = () => (conn ??= open(backend));
  return {
    presence: async (agent) => presenceOf(await c(), agent),
    report: async (o) => reportTurn(await c(), backend.where, o),
    close: async () => (await conn?.catch(() => undefined))?.close(),
  };
}
