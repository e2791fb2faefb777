/**
 * `assign`, `done` and `assign --wait` when a Redis backend is named (README "Backends"): the turn
 * is a job in its agent's queue (src/redis/agent-jobs.ts), so it can be assigned and reported from
 * any host; the session's dispatcher, on the agents' host, delivers it. The agents themselves
 * (registry, windows) stay on their host's tree.
 */
import { fail } from '../errors.js';
import { last } from '../persist/codec.js';
import { formatDuration } from '../time.js';
import { AGENT_KEY, DONE_ON_IDLE_KEY } from '../queue/agent-lifecycle.js';
import { loadRedis } from '../cli/context.js';
import { heldTurn, type AssignRequest, type QueueSummary, type Reported } from './assign.js';
import { checkMessage } from './send.js';
import { ensureDispatcher, sessionBackend } from './dispatcher.js';
import { loadAgent, type AgentRecord } from './registry.js';

/** Open the backend's store and turn commands for one call, closed after it (a process with a connection open does not exit). */
async function withBackend<T>(url: string, f: (r: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const r = await open(url);
  try {
    return await f(r);
  } finally {
    await Promise.all([r.store.close(), r.turns.close()]);
  }
}

async function open(url: string) {
  const m = await loadRedis();
  return { store: m.redisStore(url), turns: m.turnCommands(url) };
}

/**
 * Queue a turn on the backend. The agent is looked up in this host's registry (`root`, when there
 * is a tree here), else as published by the dispatcher that serves it (assign from another host);
 * unknown: not-found, exit 3. On the agents' host its session's dispatcher is made sure of, serving
 * this backend.
 */
export async function assignOn(url: string, root: string | undefined, req: AssignRequest, env: NodeJS.ProcessEnv = process.env): Promise<{ id: string; warning?: string }> {
  checkMessage(req.text);
  const rec: AgentRecord | undefined = root === undefined ? undefined : loadAgent(root, req.agent);
  const { agent, text, doneOnIdleMs, ...spec } = req;
  const id = await withBackend(url, async ({ store, turns }) => {
    const remote = rec ? undefined : await turns.presence(agent);
    if (!rec && !remote) throw fail('not-found', `no agent "${agent}" here${root ? ` (${root})` : ''}, and no dispatcher serving one of that name in ${store.where} (tmux-orc agent list on the agents' host)`);
    return store.enqueue({
      ...spec,
      cmd: text,
      cwd: rec?.cwd ?? remote?.cwd,
      extra: [[AGENT_KEY, agent], ...(doneOnIdleMs === undefined ? [] : [[DONE_ON_IDLE_KEY, formatDuration(doneOnIdleMs)] as [string, string]])],
    });
  });
  if (!rec || root === undefined) return { id }; // its dispatcher, on the agents' host, serves it
  try {
    await ensureDispatcher(root, rec.socket, rec.session, env, url);
  } catch (err) {
    return { id, warning: `queued, but no dispatcher could be started in session ${rec.session} (${(err as Error).message}); run tmux-orc agent dispatch --session ${rec.session}` };
  }
  return { id };
}

/** `done` on the backend (same refusals as on the tree). */
export async function reportOn(url: string, o: { id?: string; note: string; ok: boolean; me?: string }): Promise<Reported> {
  return withBackend(url, ({ turns }) => turns.report(o));
}

/** `assign --wait` on the backend: block until the turn is settled; its note and whether it is done. */
export async function waitHandoffOn(url: string, id: string): Promise<{ ok: boolean; status: string; note?: string; reason?: string }> {
  return withBackend(url, async ({ store }) => {
    const [o] = await store.waitForAll([id]);
    const got = await store.get(id);
    return { ok: o.dir === 'done', status: o.status, note: got?.task ? last(got.task.fields, 'NOTE') : undefined, reason: o.reason };
  });
}

/**
 * The tree's queue summary with the turns each agent has on the backend its session's dispatcher
 * serves (or $TASK_BACKEND) added in: what `agent status` and `team status` show. A backend that
 * cannot be reached leaves the tree's summary as it is (status must not fail for it).
 */
export async function withBackendTurns(root: string, recs: AgentRecord[], tree: Map<string, QueueSummary>, env: NodeJS.ProcessEnv = process.env): Promise<Map<string, QueueSummary>> {
  const by = new Map<string, string[]>();
  for (const r of recs) {
    const url = sessionBackend(root, r.session) ?? (env.TASK_BACKEND || undefined);
    if (url) by.set(url, [...(by.get(url) ?? []), r.name]);
  }
  for (const [url, names] of by) {
    try {
      const sums = await withBackend(url, ({ turns }) => turns.summary(names));
      for (const [a, s] of sums) {
        const t = tree.get(a) ?? { waiting: 0 };
        tree.set(a, { current: t.current ?? (s.held ? heldTurn(s.held) : undefined), waiting: t.waiting + s.waiting });
      }
    } catch {
      // unreachable: the tree's part is still right
    }
  }
  return tree;
}
