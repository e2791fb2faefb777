/**
 * The Redis backend, command side (the store seam, src/store/store.ts): the same verbs the tree
 * has, on one BullMQ queue. Every command connects on its first verb and fails within the connect
 * timeout, with one line, when Redis cannot be reached (exit 10).
 */
import type { Job } from 'bullmq';
import { encode } from '../persist/codec.js';
import { fail } from '../errors.js';
import { cancelled, retried } from '../queue/lifecycle.js';
import { specFields, type Task } from '../queue/task.js';
import { checkCmd, checkSpec as dependenciesOf, newId, type NewTask } from '../queue/enqueue.js';
import { stamp, taskFromText } from '../queue/tree.js';
import { rowFor, type TaskRow } from '../queue/list-rows.js';
import { notWaiting } from '../queue/hold.js';
import { checkUnique } from '../queue/unique.js';
import type { Dir } from '../queue/lifecycle.js';
import type { Store } from '../store/store.js';
import type { Health } from '../queue/list.js';
import { pausedFor, type Paused } from '../queue/pause.js';
import { BULL_STATES, bullPriority, dirOf, jobId, open, readJob, taskId, taskOf, textOf, type Conn, type JobData } from './queue.js';
import { parseBackend, type Backend } from './connect.js';
import { listWorkers } from './workers.js';
import { cleanFinished, forget } from './clean.js';
import { tailTask, waitAll } from './follow.js';
import { takeKey } from './unique.js';
import { recoverStalled, stalledJobs } from './stalled.js';
import { checkKnown, listGroups, pauseGroup, pausedGroups, removeGroup, resumeGroup, setGroup } from './group-commands.js';
import { AGENT_KEY, agentOf } from '../queue/agent-lifecycle.js';
import { queuedTurns, turnQueue } from './agent-jobs.js';

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

export interface RedisStore extends Store {
  close(): Promise<void>;
}

export function redisStore(url: string | Backend): RedisStore {
  const backend = typeof url === 'string' ? parseBackend(url) : url;
  let conn: Promise<Conn> | undefined;
  const c = () => (conn ??= open(backend));

  /** Where a task is: a job's state, or our hash of tasks that ended without a worker. */
  const locate = async (id: string): Promise<{ dir: Dir; text: string; job?: Job<JobData> } | undefined> => {
    const k = await c();
    const job = await k.getJob(id);
    if (job) {
      const dir = dirOf(await job.getState());
      if (dir) return { dir, text: textOf(job) ?? '', job };
    }
    const held = await k.client.hget(k.key('held'), id);
    if (held !== null) return { dir: 'held', text: held };
    const text = await k.client.hget(k.key('ended'), id);
    return text === null ? undefined : { dir: 'failed', text };
  };

  // An agent's turn goes to its agent's queue (agent-jobs.ts), where no shell worker looks.
  const add = async (k: Conn, id: string, text: string, task: { priority: number; due: number; label?: string; agent?: string }, now: number) => {
    if (task.label !== undefined) await newLabel(k, task.label);
    await (task.agent !== undefined ? await turnQueue(k, task.agent) : k.queue(task.label)).add(id, { text }, {
      jobId: jobId(id),
      priority: bullPriority(task.priority),
      // BullMQ counts the delay from the job's timestamp (else the time of the add, later than `now`
      // by a connect in a fresh process): the job is due when the task is.
      timestamp: now,
      delay: Math.max(0, task.due - now),
      attempts: 1, // retries are the task's own (RETRIES, BACKOFF): the worker decides them
      removeOnComplete: false,
      removeOnFail: false,
    });
  };

  const checkSpec = async (k: Conn, spec: Omit<NewTask, 'cmd'>) => {
    // What the tree keeps with kernel locks and files of its own (README "Backends").
    checkUnique(spec.unique);
    const treeOnly: Array<[string, unknown]> = [['--on-finish', spec.onFinish], ['--lock', spec.lock]];
    for (const [opt, v] of treeOnly) if (v !== undefined) throw unsupported(`tasks-enqueue ${opt}`);
    if (spec.group !== undefined) await checkKnown(k, spec.group);
    for (const [opt, dep] of dependenciesOf(spec)) if (!(await locate(dep))) throw fail('not-found', `${opt}: no task ${dep} in ${backend.where}`);
  };

  const enqueueOne = async (spec: NewTask, now: number): Promise<string> => {
    checkCmd(spec.cmd);
    const k = await c();
    await checkSpec(k, spec);
    const id = spec.id ?? newId(stamp(now));
    const text = encode(specFields({ ...spec, id }, now));
    if (spec.id !== undefined && (await locate(id))) throw fail('conflict', `task ID ${id} already exists`);
    if (spec.unique !== undefined) await takeKey(k, locate, spec.unique, id);
    if (spec.id !== undefined) await k.client.hdel(k.key('cancel'), id); // a mark an earlier task of this ID left
    if (spec.hold) await k.client.hset(k.key('held'), id, text);
    else await add(k, id, text, { priority: spec.priority ?? 0, due: spec.at ?? 0, label: spec.label, agent: spec.extra?.find(([key]) => key === AGENT_KEY)?.[1] }, now);
    return id;
  };

  const rows = async (which: Dir | 'all'): Promise<TaskRow[]> => {
    const k = await c();
    const now = Date.now();
    const out: TaskRow[] = [];
    for (const dir of which === 'all' ? (['queue', 'held', 'running', 'done', 'failed'] as Dir[]) : [which]) {
      if (dir === 'held') {
        const held = await heldNow(k);
        out.push(...order('queue', held.map(([id, text]) => rowFor('held', `${backend.where}#${id}`, taskFromText(text, id), now))));
        continue;
      }
      const jobs = await k.getJobs(BULL_STATES[dir]);
      const mine = jobs.map((j) => withHost(rowFor(dir, `${backend.where}#${taskId(j.id ?? '')}`, readJob(j), now), textOf(j)));
      if (dir === 'failed') {
        for (const [id, text] of Object.entries(await k.client.hgetall(k.key('ended')))) mine.push(rowFor('failed', `${backend.where}#${id}`, taskFromText(text, id), now));
      }
      out.push(...order(dir, mine));
    }
    // A ready task of a paused queue or group says so (as on the tree).
    const p = await pausedNow(k);
    for (const r of out) if (r.state === 'queue' && r.status === 'ready' && pausedFor(p, r.group)) r.status = 'paused';
    return out;
  };

  const store: RedisStore = {
    where: backend.where,
    enqueue: (spec, opts) => enqueueOne(spec, opts?.now ?? Date.now()),
    enqueueMany: async (spec, cmds, now = Date.now(), onQueued) => {
      if (spec.id !== undefined) throw fail('usage', 'bulk enqueue generates IDs; drop --id');
      if (spec.unique !== undefined) throw fail('usage', '--unique is for one task; drop it, or enqueue each line on its own');
      for (const cmd of cmds) if (cmd.trim() === '') throw fail('usage', 'empty command in the input');
      const k = await c();
      await checkSpec(k, spec);
      const ids: string[] = [];
      const batch = 500;
      if (spec.label !== undefined) await newLabel(k, spec.label);
      for (let i = 0; i < cmds.length; i += batch) {
        const chunk = cmds.slice(i, i + batch).map((cmd) => {
          const id = newId(stamp(now));
          return { id, cmd };
        });
        try {
          if (spec.hold) await k.client.hset(k.key('held'), Object.fromEntries(chunk.map(({ id, cmd }) => [id, encode(specFields({ ...spec, id, cmd }, now))])));
          else await k.queue(spec.label).addBulk(chunk.map(({ id, cmd }) => ({
            name: id,
            data: { text: encode(specFields({ ...spec, id, cmd }, now)) },
            opts: { jobId: jobId(id), priority: bullPriority(spec.priority ?? 0), timestamp: now, delay: Math.max(0, (spec.at ?? 0) - now), attempts: 1 },
          })));
        } catch (error) {
          return { ids, stopped: { index: i, error } };
        }
        ids.push(...chunk.map((x) => x.id));
        onQueued?.(ids.length);
      }
      return { ids };
    },
    get: async (id) => {
      const f = await locate(id);
      if (!f) return undefined;
      const r = taskFromText(f.text, id);
      return { state: f.dir, task: r.ok ? r.task : undefined };
    },
    tasks: (state) => tasksIn(state),
    list: rows,
    cancel: async (id, opts) => {
      const k = await c();
      const deadline = Date.now() + (opts?.waitMs ?? 35_000);
      for (;;) {
        const f = await locate(id);
        if (!f) throw fail('not-found', `no task ${id} in ${backend.where}`);
        if (f.dir === 'done' || f.dir === 'failed') throw fail('conflict', `task ${id} has already finished (${f.dir}); nothing to cancel`);
        if (f.dir === 'held') {
          await k.client.hset(k.key('ended'), id, f.text + (f.text.endsWith('\n') ? '' : '\n') + encode(cancelled(Date.now()).append));
          await k.client.hdel(k.key('held'), id);
          return 'cancelled-queued';
        }
        if (f.dir === 'queue' && f.job) {
          // A queued job is removed whole, or not at all when a worker locked it meanwhile.
          const removed = await f.job.remove().then(() => true, () => false);
          if (removed) {
            const r = taskFromText(f.text, id);
            const tail = r.ok ? encode(cancelled(Date.now()).append) : '';
            await k.client.hset(k.key('ended'), id, f.text + (f.text.endsWith('\n') ? '' : '\n') + tail);
            // A cancel sent while it ran (its worker lost it since) is done with: not for a retry of it.
            await k.client.hdel(k.key('cancel'), id);
            return 'cancelled-queued';
          }
        } else if (f.dir === 'running') {
          // The worker holding it (on whatever host) is told; it kills the task's process group
          // and settles it as cancelled.
          await k.client.hset(k.key('cancel'), id, '1');
          await k.client.publish(k.key('cancel'), id);
          for (;;) {
            const now = await locate(id);
            if (now && (now.dir === 'done' || now.dir === 'failed')) {
              const t = taskFromText(now.text, id);
              if (t.ok && t.task.status === 'cancelled') return 'cancelled-running';
              throw fail('conflict', `task ${id} finished (${t.ok ? t.task.status : now.dir}) before the cancel reached it`);
            }
            if (now?.dir === 'queue') break; // its worker lost it and it is queued again: cancel that
            if (Date.now() > deadline) throw fail('timeout', `task ${id} did not settle in time; try again`);
            await pause(50);
          }
        }
        if (Date.now() > deadline) throw fail('timeout', `task ${id} did not settle in time; try again`);
        await pause(20);
      }
    },
    retry: async (id) => {
      const f = await locate(id);
      if (!f) throw fail('not-found', `no task ${id} in ${backend.where}`);
      if (f.dir !== 'failed' && f.dir !== 'done') throw fail('conflict', `task ${id} is ${f.dir === 'running' ? 'running' : 'queued'}; only finished tasks can be retried`);
      if (!(await retryOne(await c(), id, f))) throw fail('conflict', `task ${id} cannot be retried: it moved meanwhile; look again`);
    },
    remove: async (id) => {
      const k = await c();
      const f = await locate(id);
      if (!f) throw fail('not-found', `no task ${id} in ${backend.where}`);
      if (f.dir !== 'done' && f.dir !== 'failed') throw fail('conflict', `task ${id} is ${f.dir === 'running' ? 'running' : 'queued'}, not finished; cancel it first (tmux-orc tasks-cancel ${id})`);
      if (f.job) {
        if (!(await f.job.remove().then(() => true, () => false))) throw fail('conflict', `task ${id} moved meanwhile; look again`);
      } else await k.client.hdel(k.key('ended'), id);
      await forget(k, id);
    },
    // The whole queue pauses in BullMQ itself (its workers take nothing while it is); a group in
    // the step that takes its slots (group-commands.ts, groups.lua).
    pause: async (group) => {
      const k = await c();
      if (group !== undefined) return pauseGroup(k, group);
      // Marked first: a label's queue made meanwhile is then paused by its enqueue (newLabel).
      if ((await k.client.set(k.key('paused'), new Date().toISOString(), 'NX')) === null) return false;
      for (const q of await k.queues()) await q.pause();
      return true;
    },
    resume: async (group) => {
      const k = await c();
      if (group !== undefined) return resumeGroup(k, group);
      if ((await pausedNow(k)).all === undefined) return false;
      for (const q of await k.queues()) await q.resume();
      await k.client.del(k.key('paused'));
      return true;
    },
    paused: async () => pausedNow(await c()),
    setGroup: async (name, parallel) => setGroup(await c(), name, parallel),
    groups: async () => listGroups(await c()),
    removeGroup: async (name) => removeGroup(await c(), name),
    // Held tasks are kept in a hash of our own, out of BullMQ, where no worker looks (BullMQ has no
    // such state). Held: kept there first, then taken out of BullMQ (whole, or not at all when a
    // worker locked it meanwhile); released: queued again, then dropped from the hash. A crash
    // between the two steps leaves a task in both, never in neither; while its job exists the job
    // is what counts (BullMQ refuses a second job of one ID), and the copy goes with the task when
    // it is removed. Released, it goes to the end of its priority.
    hold: async (id) => {
      const k = await c();
      for (;;) {
        const f = await locate(id);
        if (!f) throw fail('not-found', `no task ${id} in ${backend.where}`);
        if (f.dir === 'held') return 'already';
        if (f.dir !== 'queue' || !f.job) notWaiting(id, f.dir, 'held');
        await k.client.hset(k.key('held'), id, f.text);
        if (await f.job.remove().then(() => true, () => false)) return 'held';
        await k.client.hdel(k.key('held'), id); // a worker took it meanwhile: look again
      }
    },
    release: async (id) => {
      const k = await c();
      const f = await locate(id);
      if (!f) throw fail('not-found', `no task ${id} in ${backend.where}`);
      // A task also in the hash is being held right now (or a hold was cut short: its copy is
      // dropped when the task is removed); the job is what counts.
      if (f.dir === 'queue') return 'already';
      if (f.dir !== 'held') notWaiting(id, f.dir, 'released');
      const r = taskFromText(f.text, id);
      if (!r.ok) throw fail('conflict', `task ${id} cannot be released: ${r.reason}`);
      await add(k, id, f.text, { priority: r.task.priority, due: r.task.due, label: r.task.label, agent: agentOf(r.task) }, Date.now());
      await k.client.hdel(k.key('held'), id);
      return 'released';
    },
    edit: async () => {
      throw unsupported('tasks-edit');
    },
    move: async () => {
      throw unsupported('tasks-move');
    },
    retryAllFailed: async () => {
      const k = await c();
      const ids: string[] = [];
      for (const job of await k.getJobs(['failed'])) {
        const id = taskId(job.id ?? '');
        // A task with a unique key is retried on its own (tasks-retry ID), which takes the key again.
        const t = job && taskOf(job);
        if (t && t.unique === undefined && (await retryOne(k, id, { dir: 'failed', text: textOf(job) ?? '', job }))) ids.push(id);
      }
      for (const [id, text] of Object.entries(await k.client.hgetall(k.key('ended')))) {
        const r = taskFromText(text, id);
        if (r.ok && r.task.unique === undefined && (await retryOne(k, id, { dir: 'failed', text }))) ids.push(id);
      }
      return ids;
    },
    clean: async (o) => cleanFinished(await c(), o),
    // Runs whose worker died are BullMQ's stalled jobs: the workers of their queue move them back;
    // `tasks-health --fix` does it now (for a queue without a worker).
    recover: async () => recoverStalled(await c()),
    health: async () => {
      const k = await c();
      const counts = await k.counts([...BULL_STATES.queue, 'active', 'completed', 'failed']);
      const ended = await k.client.hlen(k.key('ended'));
      const q = BULL_STATES.queue.reduce((n, s) => n + (counts[s] ?? 0), 0);
      const workers = await listWorkers(k);
      const live = workers.filter((w) => w.alive).length;
      const oldest = await oldestQueued(k);
      const problems: string[] = [];
      // A job whose lock lapsed stays active until a worker of its own queue (its label's) moves it
      // back: with none alive, it would be listed running for ever.
      const stale: Health['stale'] = [];
      for (const job of await stalledJobs(k)) stale.push({ id: taskId(job.id ?? ''), name: taskId(job.id ?? ''), why: 'its lock lapsed (its worker is gone); a worker of its queue moves it back' });
      if (stale.length) problems.push(`${stale.length} running task(s) whose worker is gone: ${stale.map((x) => x.id).join(', ')} (a worker of their queue, with their label, requeues them; or now: tasks-health --fix)`);
      // Turns wait for their agents' dispatcher, not for a worker.
      const shellQueued = q - (await queuedTurns(k));
      if (shellQueued > 0 && live === 0) problems.push(`${shellQueued} task(s) queued but no live worker (start one: tmux-orc worker --backend ${backend.where})`);
      const h: Health = {
        root: backend.where,
        counts: { queue: q, held: (await heldNow(k)).length, running: counts.active ?? 0, done: counts.completed ?? 0, failed: (counts.failed ?? 0) + ended },
        stale,
        oldestQueuedMs: oldest === undefined ? undefined : Date.now() - oldest,
        workers,
        liveWorkers: live,
        paused: await pausedNow(k),
        problems,
        healthy: problems.length === 0,
      };
      return h;
    },
    workers: async () => listWorkers(await c()),
    waitForAll: async (ids, hooks) => waitAll(locate, backend.where, ids, hooks ?? {}),
    tail: async (id, o) => tailTask(await c(), locate, backend.where, id, o),
    close: async () => {
      const k = await conn?.catch(() => undefined);
      await k?.close();
    },
  };

  /** The held tasks: the hash, less a copy whose job is in BullMQ (a hold under way, or cut short). */
  async function heldNow(k: Conn): Promise<Array<[string, string]>> {
    const out: Array<[string, string]> = [];
    for (const [id, text] of Object.entries(await k.client.hgetall(k.key('held')))) if (!(await k.getJob(id))) out.push([id, text]);
    return out;
  }

  async function tasksIn(state: Dir): Promise<Task[]> {
    const k = await c();
    const out: Task[] = [];
    if (state === 'held') {
      for (const [id, text] of await heldNow(k)) {
        const r = taskFromText(text, id);
        if (r.ok) out.push(r.task);
      }
      return out;
    }
    for (const job of await k.getJobs(BULL_STATES[state])) {
      const t = job && taskOf(job);
      if (t) out.push(t);
    }
    return out;
  }

  async function retryOne(k: Conn, id: string, f: { dir: Dir; text: string; job?: Job<JobData> }): Promise<boolean> {
    const r = taskFromText(f.text, id);
    if (!r.ok) return false;
    const text = f.text + (f.text.endsWith('\n') ? '' : '\n') + encode(retried(r.task, Date.now()).append);
    await k.client.hdel(k.key('cancel'), id); // an earlier run's cancel is not this run's
    if (r.task.unique !== undefined) await takeKey(k, locate, r.task.unique, id);
    if (f.job) {
      await f.job.updateData({ text });
      return f.job.retry(f.dir === 'done' ? 'completed' : 'failed').then(() => true, () => false);
    }
    // Ended without a worker (cancelled while queued): queued again as a new job of the same ID.
    if ((await k.client.hdel(k.key('ended'), id)) === 0) return false;
    await add(k, id, text, { priority: r.task.priority, due: 0, label: r.task.label, agent: agentOf(r.task) }, Date.now());
    return true;
  }

  return store;
}

/** Workers are on many hosts: a row names its worker `<host>.<id>`. */
function withHost(row: TaskRow, text: string | undefined): TaskRow {
  if (row.worker === undefined || text === undefined) return row;
  const host = /(?:^|\n)HOST=([^\n]*)\n(?![\s\S]*\nHOST=)/.exec(text)?.[1];
  return host ? { ...row, worker: `${host}.${row.worker}` } : row;
}

/** What the Redis backend does not do (yet): one line, exit 2, never a silent no-op. */
function unsupported(what: string): Error {
  return fail('usage', `${what} is not available on the Redis backend (README "Backends"); it works on the tree`);
}

/** Note a label's queue; a new one made while the whole queue is paused is paused too. */
async function newLabel(k: Conn, label: string): Promise<void> {
  if ((await k.client.sadd(k.key('labels'), label)) === 1 && (await pausedNow(k)).all !== undefined) await k.queue(label).pause();
}

async function pausedNow(k: Conn): Promise<Paused> {
  const [since, groups] = await Promise.all([k.client.get(k.key('paused')), pausedGroups(k)]);
  return since === null ? { groups } : { all: since, groups };
}

/** Dispatch order for the queue (priority, then enqueue time); finish order for the rest. */
function order(dir: Dir, rows: TaskRow[]): TaskRow[] {
  const t = (s?: string) => (s ? Date.parse(s) : 0);
  // (Generated IDs sort by creation time, to the microsecond: a bulk enqueue's tasks share a millisecond.)
  if (dir === 'queue') return rows.sort((a, b) => b.priority - a.priority || t(a.enqueued) - t(b.enqueued) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (dir === 'running') return rows.sort((a, b) => t(a.started) - t(b.started));
  return rows.sort((a, b) => t(a.finished) - t(b.finished));
}

async function oldestQueued(k: Conn): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const job of await k.getJobs(BULL_STATES.queue)) {
    const t = job && taskOf(job);
    if (t && t.due <= Date.now() && t.enqueuedAt !== undefined) oldest = Math.min(oldest ?? Infinity, t.enqueuedAt);
  }
  return oldest;
}
