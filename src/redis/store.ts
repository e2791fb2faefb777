/**
 * The Redis backend, command side (the store seam, src/store/store.ts): the same verbs the tree
 * has, on one BullMQ queue. Every command connects on its first verb and fails within the connect
 * timeout, with one line, when Redis cannot be reached (exit 10).
 */
import { encode } from '../persist/codec.js';
import { fail } from '../errors.js';
import { retried } from '../queue/lifecycle.js';
import { specFields, type Task } from '../queue/task.js';
import { checkCmd, checkSpec as dependenciesOf, newId, type NewTask } from '../queue/enqueue.js';
import { stamp, taskFromText } from '../queue/tree.js';
import { rowFor, type TaskRow } from '../queue/list-rows.js';
import { checkUnique } from '../queue/unique.js';
import type { Dir } from '../queue/lifecycle.js';
import type { Store } from '../store/store.js';
import { pausedFor } from '../queue/pause.js';
import { BULL_STATES, bullPriority, findTask, jobId, open, readJob, taskId, taskOf, textOf, type Conn, type Found } from './queue.js';
import { parseBackend, type Backend } from './connect.js';
import { listWorkers } from './workers.js';
import { cleanFinished, forget } from './clean.js';
import { tailTask, waitAll } from './follow.js';
import { takeKey } from './unique.js';
import { recoverStalled } from './stalled.js';
import { checkKnown, listGroups, pauseGroup, removeGroup, resumeGroup, setGroup } from './group-commands.js';
import { AGENT_KEY, agentOf } from '../queue/agent-lifecycle.js';
import { addJob } from './add.js';
import { cancelTask } from './cancel.js';
import { heldNow, holdTask, releaseTask } from './held.js';
import { health } from './health.js';
import { newLabel, pausedNow, pauseQueue, resumeQueue } from './pause.js';

export interface RedisStore extends Store {
  close(): Promise<void>;
}

export function redisStore(url: string | Backend): RedisStore {
  const backend = typeof url === 'string' ? parseBackend(url) : url;
  let conn: Promise<Conn> | undefined;
  const c = () => (conn ??= open(backend));

  /** Where a task is (findTask, queue.ts), on this store's connection: also what follow.ts and unique.ts look tasks up by. */
  const locate = async (id: string): Promise<Found | undefined> => findTask(await c(), id);

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
    else await addJob(k, id, text, { priority: spec.priority ?? 0, due: spec.at ?? 0, label: spec.label, agent: spec.extra?.find(([key]) => key === AGENT_KEY)?.[1] }, now);
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
    cancel: async (id, opts) => cancelTask(await c(), id, opts?.waitMs ?? 35_000),
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
    // The whole queue pauses in BullMQ itself (pause.ts); a group in the step that takes its
    // slots (group-commands.ts, groups.lua).
    pause: async (group) => {
      const k = await c();
      return group !== undefined ? pauseGroup(k, group) : pauseQueue(k);
    },
    resume: async (group) => {
      const k = await c();
      return group !== undefined ? resumeGroup(k, group) : resumeQueue(k);
    },
    paused: async () => pausedNow(await c()),
    setGroup: async (name, parallel) => setGroup(await c(), name, parallel),
    groups: async () => listGroups(await c()),
    removeGroup: async (name) => removeGroup(await c(), name),
    // Held tasks are kept in a hash of our own, out of BullMQ, where no worker looks (held.ts).
    hold: async (id) => holdTask(await c(), id),
    release: async (id) => releaseTask(await c(), id),
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
    health: async () => health(await c()),
    workers: async () => listWorkers(await c()),
    waitForAll: async (ids, hooks) => waitAll(locate, backend.where, ids, hooks ?? {}),
    tail: async (id, o) => tailTask(await c(), locate, backend.where, id, o),
    close: async () => {
      const k = await conn?.catch(() => undefined);
      await k?.close();
    },
  };

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

  async function retryOne(k: Conn, id: string, f: Found): Promise<boolean> {
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
    await addJob(k, id, text, { priority: r.task.priority, due: 0, label: r.task.label, agent: agentOf(r.task) }, Date.now());
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

/** Dispatch order for the queue (priority, then enqueue time); finish order for the rest. */
function order(dir: Dir, rows: TaskRow[]): TaskRow[] {
  const t = (s?: string) => (s ? Date.parse(s) : 0);
  // (Generated IDs sort by creation time, to the microsecond: a bulk enqueue's tasks share a millisecond.)
  if (dir === 'queue') return rows.sort((a, b) => b.priority - a.priority || t(a.enqueued) - t(b.enqueued) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (dir === 'running') return rows.sort((a, b) => t(a.started) - t(b.started));
  return rows.sort((a, b) => t(a.finished) - t(b.finished));
}
