/**
 * Agent turns on the Redis backend, the dispatcher's side (the AgentQueue seam,
 * src/agents/turns.ts). Each agent's turns are a BullMQ queue of their own (agent-jobs.ts). The
 * dispatcher claims a turn with a BullMQ worker's non-blocking fetch, only when the agent is idle,
 * and keeps its lock renewed while the turn is held; the lock token is also kept in the held hash,
 * so a dispatcher that restarts re-adopts the turn with the same token (never delivers it again),
 * and `done` on any host settles it under that token.
 *
 * Where the tree has a detached holder that watches the agent's process, here the dispatcher
 * watches it (the claim record names the pane's pid and start time): an agent that dies lets go
 * of its turn at the dispatcher's next look. A dispatcher gone longer than the lock lets its turns
 * stall: BullMQ's stalled check (run by every dispatcher's workers) moves them back to the queue.
 */
import { Worker, type Job } from 'bullmq';
import { encode } from '../persist/codec.js';
import { processStart } from '../persist/proc.js';
import { iso } from '../time.js';
import { agentWorker } from '../queue/agent-claim.js';
import { readiness, stale } from '../queue/lifecycle.js';
import { taskFromText } from '../queue/tree.js';
import type { AgentQueue, AgentWork, Turn } from '../agents/turns.js';
import { parseBackend } from './connect.js';
import { dependencies } from './dependencies.js';
import { open, PREFIX, taskId, textOf, type Conn, type JobData } from './queue.js';
import { hostName } from './workers.js';
import { lockMs as lockFromEnv } from './lock-ms.js';
import { appendTurnLog, HELD, heldEntries, heldValue, PRESENT, scripts, settleTurn, turnJob, turnQueue, writeFenced } from './agent-jobs.js';

export interface RedisTurnsOptions {
  url: string;
  /** The session it serves (published, so `assign` on other hosts knows the agent). */
  session: string;
  /** Agents' working directories, for the presence record. */
  cwdOf: (agent: string) => string;
  /** The lock's duration (TMUX_ORC_LOCK_MS, default 30 s): a dispatcher gone longer lets its turns stall. */
  lockMs?: number;
  say: (line: string) => void;
}

interface Hold {
  job: Job<JobData>;
  token: string;
  agent: string;
}

let tokens = 0;

export async function redisTurns(o: RedisTurnsOptions): Promise<AgentQueue> {
  const backend = parseBackend(o.url);
  const k: Conn = await open(backend);
  const lockMs = o.lockMs ?? lockFromEnv();
  const workers = new Map<string, Worker<JobData>>();
  const holds = new Map<string, Hold>();
  let published = 0;

  const workerFor = (agent: string): Worker<JobData> => {
    let w = workers.get(agent);
    if (!w) {
      w = new Worker<JobData>(k.agentQueue(agent).name, null, { connection: k.client, prefix: PREFIX, autorun: false, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 1 });
      w.on('error', () => {});
      // Turns whose dispatcher was gone longer than the lock go back to the queue (once; a second stall fails it).
      void w.startStalledCheckTimer().catch(() => {});
      workers.set(agent, w);
    }
    return w;
  };

  // Renewed apart from the ticks: a tick that waits on a slow delivery must not let a lock lapse.
  const renew = setInterval(() => {
    if (k.client.status !== 'ready') return; // renewals would pile up in the offline queue
    for (const [id, h] of holds) {
      void h.job.extendLock(h.token, lockMs).then((ok) => {
        // (Only this hold: the turn may be held anew under another token by the time this returns.)
        if (ok || holds.get(id) !== h) return;
        holds.delete(id);
        o.say(`${id}: its lock was lost (the turn stalled); it goes back to the queue`);
      }, () => {});
    }
  }, Math.max(250, Math.floor(lockMs / 4)));
  renew.unref();

  const turnFrom = (job: Job<JobData>, agent: string): Turn | undefined => {
    const id = taskId(job.id ?? '');
    const r = taskFromText(textOf(job) ?? '', id);
    return r.ok ? { id, agent, task: r.task, ref: id } : undefined;
  };

  /** A held turn, read now; a new dispatcher adopts one another left (same token), or forgets it when its lock is gone. */
  const heldTurn = async (id: string, token: string, agent: string): Promise<Turn | undefined> => {
    const job = await turnJob(k, agent, id);
    const gone = async () => {
      holds.delete(id);
      await scripts(k).orcDropHeld(k.key(HELD), id, heldValue(token, agent));
      return undefined;
    };
    if (!job || (await job.getState()) !== 'active') return gone();
    if (!holds.has(id)) {
      if (!(await job.extendLock(token, lockMs).catch(() => 0))) return gone();
      workerFor(agent);
      o.say(`${id}: held by ${agent}, adopted`);
    }
    holds.set(id, { job, token, agent });
    return turnFrom(job, agent);
  };

  const publish = async (agents: ReadonlySet<string>) => {
    if (Date.now() - published < 5000 || agents.size === 0) return;
    published = Date.now();
    const at = Date.now();
    await k.client.hset(k.key(PRESENT), Object.fromEntries([...agents].map((a) => [a, JSON.stringify({ session: o.session, host: hostName(), cwd: o.cwdOf(a), at })])));
  };

  return {
    where: backend.where,
    scan: async (agents) => {
      // Commands wait through a reconnect (connect.ts): a tick must not wait with them.
      if (k.client.status !== 'ready') throw new Error(`cannot reach Redis (${k.client.status}); its turns wait`);
      await publish(agents);
      const out = new Map<string, AgentWork>();
      const get = (a: string) => out.get(a) ?? (out.set(a, { held: [], waiting: false }), out.get(a)!);
      const entries = (await heldEntries(k)).filter((e) => agents.has(e.agent));
      for (const id of holds.keys()) if (!entries.some((e) => e.id === id)) holds.delete(id); // settled by `done`
      for (const e of entries) {
        const t = await heldTurn(e.id, e.token, e.agent);
        if (t) get(e.agent).held.push(t);
      }
      const known = new Set(await k.client.smembers(k.key('agent-queues')));
      for (const a of agents) {
        if (!known.has(a) || out.get(a)?.held.length) continue;
        workerFor(a); // its stalled check runs while the agent is served
        const q = k.agentQueue(a);
        const c = await q.getJobCounts('wait', 'prioritized', 'delayed');
        // A delayed turn (not due, or a dependency pending) counts once it is due: the agent's screen is read only then.
        // (BullMQ scores its delayed set by due time * 0x1000 + a counter.)
        const due = async () => Number((await k.client.zrange(q.keys.delayed, 0, 0, 'WITHSCORES'))[1] ?? Infinity) / 0x1000 <= Date.now();
        if ((c.wait ?? 0) + (c.prioritized ?? 0) > 0 || ((c.delayed ?? 0) > 0 && (await due()))) get(a).waiting = true;
      }
      return out;
    },
    // Held while this dispatcher keeps its lock and the agent's process (named in the claim record) lives.
    alive: async (turn) => {
      const owner = turn.task.owner;
      return holds.has(turn.id) && owner !== undefined && processStart(owner.pid) === owner.pidStart;
    },
    cancelRequested: async (turn) => (await k.client.hexists(k.key('cancel'), turn.id)) === 1,
    // Redis away: what this dispatcher holds is what it knows (a tick must not wait for Redis).
    holds: async (agent) => (k.client.status === 'ready' ? await heldEntries(k) : [...holds.values()]).some((e) => e.agent === agent),
    claimNext: async (agent, watch) => {
      await turnQueue(k, agent);
      const w = workerFor(agent);
      // Turns not ready yet (a dependency pending) go back to the delayed set and the next is looked at.
      for (let i = 0; i < 20; i++) {
        const token = `${hostName()}.${process.pid}.turn.${(tokens++).toString(36)}`;
        const job = (await w.getNextJob(token, { block: false })) as Job<JobData> | undefined;
        if (!job) return undefined;
        const id = taskId(job.id ?? '');
        const text = textOf(job) ?? '';
        const r = taskFromText(text, id);
        if (!r.ok) {
          await job.moveToFailed(new Error(r.reason), token, false).catch(() => {});
          o.say(`${id}: rejected: ${r.reason} → failed`);
          continue;
        }
        const now = Date.now();
        const deps = await dependencies(k, r.task);
        const ready = readiness(r.task, now, (d) => deps.get(d) ?? 'missing');
        if (ready.kind === 'later' || ready.kind === 'blocked') {
          await job.moveToDelayed(ready.kind === 'later' ? ready.due : now + 1000, token).catch(() => {});
          continue;
        }
        if (ready.kind === 'doomed') {
          const s = await settleTurn(k, job, token, ready.move);
          if (s.kind === 'moved') o.say(`${id} → failed: ${ready.move.append.find(([key]) => key === 'REASON')?.[1]}`);
          continue;
        }
        // Kept in the hash first: a dispatcher that dies after this is replaced by one that adopts it.
        await k.client.hset(k.key(HELD), id, heldValue(token, agent));
        const record = encode([['ATTEMPT', String(r.task.attempt)], ['WORKER', agentWorker(agent)], ['HOST', hostName()],
          ['WORKER_PID', String(watch.pid)], ['WORKER_START', watch.start], ['CLAIM', token], ['STARTED', iso(now)]]);
        const claimed = text + (text === '' || text.endsWith('\n') ? '' : '\n') + record;
        if (!(await writeFenced(k, job, token, claimed))) {
          await scripts(k).orcDropHeld(k.key(HELD), id, heldValue(token, agent)); // lost meanwhile (it stalled): not ours
          continue;
        }
        job.data = { text: claimed };
        holds.set(id, { job, token, agent });
        return turnFrom(job, agent);
      }
      return undefined;
    },
    settle: async (turn, move, log) => {
      const h = holds.get(turn.id);
      if (!h) return { kind: 'lost', why: `${turn.id} is no longer held here` };
      const job = (await turnJob(k, h.agent, turn.id)) ?? h.job;
      const s = await settleTurn(k, job, h.token, move, log);
      if (s.kind === 'moved' && move.to !== 'running') holds.delete(turn.id);
      return s;
    },
    log: async (turn, text) => appendTurnLog(k, turn.id, text),
    recover: async (turns) => {
      const lines: string[] = [];
      for (const t of turns) {
        const h = holds.get(t.id);
        if (!h) continue; // its lock was lost: BullMQ's stalled check takes it back
        const why = `worker ${agentWorker(t.agent)} (pid ${t.task.owner?.pid ?? '?'}) no longer holds it`;
        const m = stale(t.task, why, Date.now());
        const s = await settleTurn(k, (await turnJob(k, h.agent, t.id)) ?? h.job, h.token, m, `${iso(Date.now())} ${why}`);
        holds.delete(t.id);
        if (s.kind === 'moved') lines.push(`${t.id}: ${why} → ${s.to}`);
      }
      return lines;
    },
    close: async () => {
      clearInterval(renew);
      // Held turns stay held (their agents work on): the next dispatcher adopts them by their tokens.
      await Promise.all([...workers.values()].map((w) => w.close(true).catch(() => {})));
      await k.close();
    },
  };
}
