/**
 * Agent turns on the Redis backend, the parts every host shares: the queue of each agent's turns,
 * the hash of held turns (`<prefix>:agent-held`, ID → `<lock token> <agent>`), settling a held
 * turn fenced by that token, and `done` from any host. The session's dispatcher claims and holds
 * turns (agent-queue.ts); docs/backends.md "Agent turns" says what is kept and what is not.
 */
import { Job } from 'bullmq';
import { encode } from '../persist/codec.js';
import { fail } from '../errors.js';
import { iso } from '../time.js';
import { agentOf, reported } from '../queue/agent-lifecycle.js';
import { taskFromText } from '../queue/tree.js';
import type { Move } from '../queue/lifecycle.js';
import type { Task } from '../queue/task.js';
import { logKeys } from './logs.js';
import { jobId, taskId, textOf, type Conn, type JobData } from './queue.js';

/** The hash of held turns, and the one of agents that dispatchers serve (agent → JSON presence). */
export const HELD = 'agent-held';
export const PRESENT = 'agents';

/** Note an agent's queue (so listings, cancel and retry find its turns); a new one made while the whole queue is paused is paused too. */
export async function turnQueue(k: Conn, agent: string) {
  const q = k.agentQueue(agent);
  if ((await k.client.sadd(k.key('agent-queues'), agent)) === 1 && (await k.client.exists(k.key('paused'))) === 1) await q.pause();
  return q;
}

/** How many turns wait in all agents' queues (tasks-health: they wait for a dispatcher, not a worker). */
export async function queuedTurns(k: Conn): Promise<number> {
  let n = 0;
  for (const a of await k.client.smembers(k.key('agent-queues'))) {
    const c = await k.agentQueue(a).getJobCounts('wait', 'prioritized', 'delayed', 'waiting-children');
    n += Object.values(c).reduce((x, y) => x + y, 0);
  }
  return n;
}

// Both write only while the job's lock is still the given token: a late `done`, or a dispatcher
// that lost the turn, touches nothing.
const FENCED_DATA = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('HSET', KEYS[2], 'data', ARGV[2]) return 1 end return 0`;
const DROP_HELD = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

type Scripts = {
  orcTurnData(lockKey: string, jobKey: string, token: string, data: string): Promise<number>;
  orcDropHeld(held: string, id: string, value: string): Promise<number>;
};

export function scripts(k: Conn): Scripts {
  const c = k.client as unknown as Partial<Scripts> & typeof k.client;
  if (!c.orcTurnData) {
    k.client.defineCommand('orcTurnData', { numberOfKeys: 2, lua: FENCED_DATA });
    k.client.defineCommand('orcDropHeld', { numberOfKeys: 1, lua: DROP_HELD });
  }
  return c as unknown as Scripts;
}

/** A held turn as the hash names it. */
export interface HeldEntry {
  id: string;
  token: string;
  agent: string;
}

export const heldValue = (token: string, agent: string): string => `${token} ${agent}`;

export async function heldEntries(k: Conn): Promise<HeldEntry[]> {
  return Object.entries(await k.client.hgetall(k.key(HELD))).map(([id, v]) => {
    const sp = v.indexOf(' ');
    return { id, token: v.slice(0, sp), agent: v.slice(sp + 1) };
  });
}

/** Append to a turn's output log in Redis (tasks-tail shows what was delivered and how it ended). */
export async function appendTurnLog(k: Conn, id: string, text: string): Promise<void> {
  await k.client.append(logKeys(k, id)[0], text.endsWith('\n') ? text : `${text}\n`);
}

/** Write a held turn's text, only under its lock; false when the lock is no longer `token`. */
export async function writeFenced(k: Conn, job: Job<JobData>, token: string, text: string): Promise<boolean> {
  return (await scripts(k).orcTurnData(k.lockKey(job), k.jobKey(job), token, JSON.stringify({ text }))) === 1;
}

/** How a settle went: where the turn went, or why nothing was touched. */
export type TurnSettled = { kind: 'moved'; to: string } | { kind: 'lost'; why: string };

/**
 * Carry out `move` on a held turn under its lock `token` (BullMQ's moves check it): done with
 * its final text as the return value, failed or back to the delayed set with it written first.
 * Then its entry in the held hash is dropped (only if it is still this token's).
 */
export async function settleTurn(k: Conn, job: Job<JobData>, token: string, move: Move, log?: string): Promise<TurnSettled> {
  const id = taskId(job.id ?? '');
  const text = textOf(job) ?? '';
  const final = text + (text === '' || text.endsWith('\n') ? '' : '\n') + encode(move.append);
  try {
    if (move.to === 'running') {
      return (await writeFenced(k, job, token, final)) ? { kind: 'moved', to: 'running' } : { kind: 'lost', why: `${id} is held by another run now` };
    }
    // Logged only while the turn is still this token's (a late report for an earlier run writes nothing).
    if (log !== undefined) {
      if ((await k.client.get(k.lockKey(job))) !== token) return { kind: 'lost', why: `${id} is no longer held under this claim` };
      await appendTurnLog(k, id, log);
    }
    if (move.to === 'done') await job.moveToCompleted({ text: final }, token, false);
    else {
      if (!(await writeFenced(k, job, token, final))) return { kind: 'lost', why: `${id} is no longer held under this claim` };
      const r = taskFromText(final, id);
      if (move.to === 'failed') await job.moveToFailed(new Error(move.append.findLast(([key]) => key === 'REASON')?.[1] ?? 'failed'), token, false);
      else await job.moveToDelayed(r.ok ? Math.max(r.task.due, Date.now()) : Date.now(), token);
    }
  } catch (err) {
    return { kind: 'lost', why: `${id} is no longer held under this claim (${(err as Error).message})` };
  }
  await scripts(k).orcDropHeld(k.key(HELD), id, heldValue(token, agentOf(taskOrEmpty(final, id)) ?? ''));
  await k.client.hdel(k.key('cancel'), id); // a cancel asked for this run is done with
  return { kind: 'moved', to: move.to };
}

const taskOrEmpty = (text: string, id: string): Pick<Task, 'fields'> => {
  const r = taskFromText(text, id);
  return r.ok ? r.task : { fields: [] };
};

/** What `done` settled. */
export interface TurnReported {
  id: string;
  agent: string;
  to: string;
}

/**
 * `done` on the Redis backend, from any host: settle the turn the agent holds (the given ID, which
 * must be a running turn of this agent, or the one `me` holds), fenced by the token its dispatcher
 * keeps in the held hash. Refusals as on the tree: not-found (3), conflict (4), usage (2).
 */
export async function reportTurn(k: Conn, where: string, o: { id?: string; note: string; ok: boolean; me?: string }): Promise<TurnReported> {
  const held = await heldEntries(k);
  let id = o.id;
  if (id === undefined) {
    if (!o.me) throw fail('usage', 'which task? give its ID (tmux-orc done ID "note"), or run this in the agent\'s window (ORC_AGENT is set there)');
    id = held.find((h) => h.agent === o.me)?.id;
    if (id === undefined) throw fail('conflict', `agent ${o.me} holds no task now: nothing to settle (tmux-orc agent status ${o.me})`);
  }
  const job = await k.getJob(id);
  if (!job) {
    const ended = (await k.client.hexists(k.key('ended'), id)) || (await k.client.hexists(k.key('held'), id));
    if (ended) throw fail('conflict', `task ${id} is not being worked on: not settled`);
    throw fail('not-found', `no task ${id} in ${where}`);
  }
  const r = taskFromText(textOf(job) ?? '', id);
  const agent = r.ok ? agentOf(r.task) : undefined;
  if (!r.ok || agent === undefined) throw fail('conflict', `task ${id} is a shell task, not an agent's turn: nothing to report`);
  if (o.me && agent !== o.me) throw fail('conflict', `task ${id} is ${agent}'s, not yours (${o.me}): not settled`);
  const state = await job.getState();
  if (state !== 'active') throw fail('conflict', `task ${id} is not being worked on (it is ${state === 'completed' ? 'done' : state === 'failed' ? 'failed' : 'queued'}): not settled`);
  const entry = held.find((h) => h.id === id);
  if (!entry || r.task.owner?.claim !== entry.token) throw fail('conflict', `task ${id} is not held by its agent's dispatcher yet: not settled`);
  const now = Date.now();
  const s = await settleTurn(k, job, entry.token, reported(r.task, o.ok, o.note, now),
    `${iso(now)} ${agent} reported ${o.ok ? 'done' : 'failed'}${o.note ? `: ${o.note}` : ''}`);
  if (s.kind === 'lost') throw fail('conflict', `task ${id} was not settled: ${s.why}`);
  return { id, agent, to: s.to };
}

/** The job of a held turn, read now (its text as the dispatcher last wrote it). */
export async function turnJob(k: Conn, agent: string, id: string): Promise<Job<JobData> | undefined> {
  return (await Job.fromId<JobData>(k.agentQueue(agent), jobId(id))) ?? undefined;
}

/** Where an agent's dispatcher is (published by it), for `assign` from a host without its registry. */
export interface Presence {
  session: string;
  host: string;
  cwd: string;
  at: number;
}

export async function presenceOf(k: Conn, agent: string): Promise<Presence | undefined> {
  const v = await k.client.hget(k.key(PRESENT), agent);
  return v === null ? undefined : (JSON.parse(v) as Presence);
}
