/**
 * The Redis backend, worker side (the store seam, src/store/worker-store.ts): taking, running and
 * settling jobs. A worker takes one job at a time from BullMQ under a lock token and runs it with
 * the same launcher as on the tree: the job's text is written to a local spool (spool.ts, a
 * private tree of this worker), claimed there by the launcher and run; what the launcher records
 * there (the claim, the process group, the exit) is copied to the job, fenced by the lock, while
 * the job is held (holds.ts), and the job is moved on by BullMQ under the same lock.
 *
 * What BullMQ guarantees, and what we add (README "Backends"):
 * - the lock is renewed every lockMs/4; a worker that cannot renew it before it lapses (Redis
 *   unreachable too long) or finds it taken (it stalled) kills its task's process group at once
 *   and records nothing (holds.ts keeps the held jobs so);
 * - a worker that dies or freezes is caught by its dead man's switch (deadman.ts), which kills
 *   the task before the lock lapses; the job is then a stalled job, moved back to the queue by
 *   the other workers' stalled-job check (once; a second stall fails it, BullMQ's maxStalledCount);
 * - a whole host that dies takes its tasks with it; their jobs stall and run elsewhere.
 */
import fs from 'node:fs';
import { Job, Worker, type JobJson } from 'bullmq';
import { encode } from '../persist/codec.js';
import { describe } from '../errors.js';
import { processStart } from '../persist/proc.js';
import { writeNew } from '../persist/atomic.js';
import { iso } from '../time.js';
import { afterRun, readiness, type Move } from '../queue/lifecycle.js';
import { RECORD_KEYS, type Task } from '../queue/task.js';
import { logPath, taskFromText, taskPath } from '../queue/tree.js';
import { checkSafe } from '../queue/trust.js';
import type { ClaimReply, Holder } from '../worker/launcher.js';
import type { Claim, Next, Recovered, Settled, Taken, WorkerStore } from '../store/worker-store.js';
import type { Backend } from './connect.js';
import { BULL_STATES, open, PREFIX, queueName, taskId, type Conn, type JobData } from './queue.js';
import { hostName, register } from './workers.js';
import { Shipper } from './logs.js';
import { Deadman } from './deadman.js';
import { dependencies } from './dependencies.js';
import { dropLocal, localText, openSpool } from './spool.js';
import { release, sweep, SWEEP_MS, takeSlot } from './groups.js';
import { Holds, type Held } from './holds.js';

export interface RedisWorkerOptions {
  backend: Backend;
  /** Take only tasks with this label (its own queue); without one, only unlabelled tasks. */
  label?: string;
  holder: Holder;
  /** The lock's duration: a task outlives a silent worker by less than this. */
  lockMs: number;
  /** Between SIGTERM and SIGKILL for a cancel. */
  killGraceMs: number;
  /** The local spool (default: a private directory under the system's temp directory). */
  spool?: string;
}

export type RedisWorkerStore = WorkerStore & {
  register(id?: string): Promise<{ id: string; heartbeat: () => void; unregister: () => void }>;
};

let tokens = 0;

export async function redisWorkerStore(o: RedisWorkerOptions): Promise<RedisWorkerStore> {
  const k: Conn = await open(o.backend);
  const spool = openSpool(o.backend.queue, o.spool);
  const worker = new Worker<JobData>(queueName(o.backend, o.label), null, {
    connection: k.client,
    prefix: PREFIX,
    autorun: false,
    lockDuration: o.lockMs,
    stalledInterval: o.lockMs,
    maxStalledCount: 1,
    drainDelay: 1,
  });
  worker.on('error', () => {});
  // Stalled jobs (their worker died or froze) go back to the queue: BullMQ's own check, run by
  // every worker every lockMs.
  void worker.startStalledCheckTimer().catch(() => {});
  // Parked tasks of groups whose slots came free without a wake-up reaching them (groups.ts).
  const sweeper = setInterval(() => void sweep(k).catch(() => {}), SWEEP_MS).unref();
  const deadman = new Deadman(Math.floor(o.lockMs / 2), spool.dir('running'));
  let stash: { job: Job<JobData>; lock: string } | undefined;
  let closing = false;
  const started = processStart(process.pid) ?? '';

  const held = await Holds.open(k, spool, o);

  /** Settle a job that is not to run (its result was recorded already, or a dependency failed). */
  const settleUnrun = async (job: Job<JobData>, lock: string, task: Task, text: string, m: Move): Promise<void> => {
    const h: Held = { job, lock, copied: '', ticking: false, renewedAt: Date.now(), lockedUntil: Date.now() + o.lockMs, holding: Promise.resolve({ kind: 'claimed' }) };
    await moveJob(h, task, text, m);
  };

  /**
   * Write the final text and move the job on, under its lock. A task that ends done takes its
   * text with the move (the job's return value, queue.ts): one command, checked against the lock.
   * With `fetchNext` BullMQ hands back the next job with the move, under the same lock: kept for
   * the next `next`, as BullMQ's own workers do (a round trip less per task).
   */
  const moveJob = async (h: Held, task: Task, text: string, m: Move, fetchNext = false): Promise<'moved' | 'lost'> => {
    const final = m.compact
      ? encode([...task.fields.filter(([key]) => !RECORD_KEYS.has(key)), ...m.append])
      : text + (text === '' || text.endsWith('\n') ? '' : '\n') + encode(m.append);
    const job = h.job;
    try {
      if (m.to === 'done') return keep(await job.moveToCompleted({ text: final }, h.lock, fetchNext), h.lock);
      if (!(await held.copy(h, final))) return 'lost';
      if (m.to === 'failed') return keep(await job.moveToFailed(new Error(reasonOf(m) ?? 'failed'), h.lock, fetchNext), h.lock);
      const r = taskFromText(final, taskId(job.id!));
      await job.moveToDelayed(r.ok ? Math.max(r.task.due, Date.now()) : Date.now(), h.lock);
      return 'moved';
    } catch {
      return 'lost';
    }
  };

  /** A job handed back with a move (`fetchNext`): held under the same lock until it is taken. */
  const keep = (next: void | unknown[], lock: string): 'moved' => {
    const [raw, id] = Array.isArray(next) ? next : [];
    if (!raw || typeof id !== 'string') return 'moved';
    const job = Job.fromJSON<JobData>(worker, raw as JobJson, id);
    if (stash) void job.moveToWait(lock).catch(() => {}); // one in hand already: this one goes back
    else stash = { job, lock };
    return 'moved';
  };

  /** Ask BullMQ for a job (it blocks up to a second for one, except on its first look after a job); kept until taken. */
  const fetch = async (): Promise<boolean> => {
    const lock = `${hostName()}.${process.pid}.${(tokens++).toString(36)}`;
    const job = (await worker.getNextJob(lock, { block: true }).catch(() => undefined)) as Job<JobData> | undefined;
    if (job) stash = { job, lock };
    return job !== undefined;
  };

  const next = async (now: number): Promise<Next> => {
    if (stash || (await fetch())) return { kind: 'task', name: taskId(stash!.job.id!) };
    const counts = await k.queue(o.label).getJobCounts(...BULL_STATES.queue).catch(() => ({}) as Record<string, number>);
    const queued = Object.values(counts).reduce((a, b) => a + b, 0);
    return { kind: 'idle', empty: queued === 0, nextDue: now + 200 };
  };

  /**
   * Waiting is waiting on BullMQ: a job that arrives meanwhile is fetched at once (a pause here
   * would delay it). Its first looks after a job come back at once (its drained flag, a spare
   * marker): looked again; only looks that keep coming back at once (Redis unreachable) pause. A
   * wait of a second or more is a back-off (no space, an error), and a wait while a task is held
   * (its settle waits for space) is one too: a plain pause, nothing fetched.
   */
  const wait = async (ms: number): Promise<void> => {
    if (ms >= 1000 || held.size > 0) return pause(ms);
    for (let quick = 0; quick < 3; quick++) {
      const t0 = Date.now();
      if (stash || closing || (await fetch()) || Date.now() - t0 >= 20) return;
    }
    await pause(Math.min(ms, 50));
  };

  const take = async (name: string, token: string, now: number): Promise<Taken> => {
    const s = stash;
    stash = undefined;
    if (!s || taskId(s.job.id!) !== name) return { kind: 'skipped' };
    try {
      return await takeLocked(s.job, s.lock, name, token, now);
    } catch (err) {
      // Not left active under a lock nobody renews: it would stall, and a second stall fails it.
      fs.rmSync(taskPath(spool, 'running', name), { force: true });
      await s.job.moveToDelayed(Date.now() + 1000, s.lock).catch(() => {});
      throw err;
    }
  };

  const takeLocked = async (job: Job<JobData>, lock: string, name: string, token: string, now: number): Promise<Taken> => {
    const text = job.data?.text ?? '';
    const r = taskFromText(text, name);
    if (!r.ok) {
      await job.moveToFailed(new Error(r.reason), lock, false).catch(() => {});
      return { kind: 'skipped', note: `rejected ${name}: ${r.reason} → failed` };
    }
    const task = r.task;
    // A run whose result was recorded, and whose worker was gone before it settled: settled, never re-run.
    if (task.owner?.result) {
      const res = task.owner.result;
      const m = afterRun(task, { exitCode: res.exit ?? null, signal: res.signal ?? null, timedOut: false, cancelled: false, durationMs: 0 }, now);
      await settleUnrun(job, lock, task, text, m);
      return { kind: 'skipped', note: `settled ${task.id} from its recorded result (its worker was gone)` };
    }
    const deps = await dependencies(k, task);
    const ready = readiness(task, now, (id) => deps.get(id) ?? 'missing');
    if (ready.kind === 'later') {
      await job.moveToDelayed(ready.due, lock).catch(() => {});
      return { kind: 'skipped' };
    }
    if (ready.kind === 'doomed') {
      await settleUnrun(job, lock, task, text, ready.move);
      return { kind: 'skipped', note: `failed ${task.id}: ${reasonOf(ready.move)}` };
    }
    if (ready.kind === 'blocked') {
      // BullMQ has no dependencies on jobs that already exist: a task whose dependencies have not
      // ended waits in the delayed set and is looked at again shortly.
      await job.moveToDelayed(now + 1000, lock).catch(() => {});
      return { kind: 'skipped' };
    }
    // Only a ready task takes a slot: one waiting on --after never keeps its group from running.
    if (task.group !== undefined && !(await takeSlot(k, job, lock, { ...task, group: task.group }))) return { kind: 'skipped' };
    // The local file is written where it runs, in this worker's private spool, and the launcher
    // is asked to hold it without waiting for its answer: the run request follows on the same
    // pipe, and a launcher that could not hold it runs nothing ("no task is held"); settle then
    // gives the job back. A round trip less per task.
    const file = taskPath(spool, 'running', name);
    writeNew(file, text); // no other process writes here: no staging copy

    const holding = o.holder.claim(file, file).catch((err): ClaimReply => ({ kind: 'error', reason: describe(err) }));
    const claim: Claim = { name, task, token };
    const h: Held = { job, lock, copied: text, ticking: true, renewedAt: now, lockedUntil: now + o.lockMs, holding };
    h.shipper = new Shipper(k, task.id, { out: logPath(spool, task.id, 'out'), err: logPath(spool, task.id, 'err') });
    held.add(claim, h);
    return { kind: 'claimed', claim };
  };

  /** The local record of a held task, read and parsed; undefined when it is not this claim's. */
  const record = (claim: Claim, h: Held): { text: string; task: Task } | undefined => {
    const text = localText(spool, claim);
    if (h.lost || text === undefined) return undefined;
    const r = taskFromText(text, claim.name);
    const tok = r.ok ? r.task.owner?.claim : undefined;
    if (!r.ok || (tok !== undefined && tok !== claim.token)) return undefined;
    return { text, task: r.task };
  };

  // The worker rereads a task once its run is over, just before it settles it, and the launcher
  // writes nothing after its reply: the settle uses that read (a read of the file less per task).
  const reread = (claim: Claim): Task | undefined => {
    const h = held.get(claim);
    if (!h) return undefined;
    h.final = record(claim, h);
    return h.final?.task;
  };

  const settle = async (claim: Claim, m: Move): Promise<Settled> => {
    const h = held.get(claim);
    try {
      if (!h) return { kind: 'lost', why: `${claim.task.id} is no longer held under this claim` };
      if (h.lost) return { kind: 'lost', why: `${claim.task.id}: ${h.lost}; its process group was killed and nothing was recorded` };
      h.settling = true;
      const hold = await h.holding;
      if (hold.kind !== 'claimed') {
        h.ticking = false;
        await h.job.moveToDelayed(Date.now() + 1000, h.lock).catch(() => {});
        return { kind: 'lost', why: `${claim.task.id}: could not hold it locally (${'reason' in hold ? hold.reason : hold.kind}); it went back to the queue` };
      }
      // No tick may copy an older text over the final one.
      h.ticking = false;
      while (h.busy) await pause(5);
      const final = h.final ?? record(claim, h);
      if (!final) return { kind: 'lost', why: `${claim.task.id}: its local record is gone` };
      await h.shipper?.end();
      const out = await moveJob(h, final.task, final.text, m, !closing);
      if (out === 'lost') return { kind: 'lost', why: `${claim.task.id}: its lock was taken before it could be settled` };
      if (final.task.group !== undefined) await release(k, h.job, h.lock, { ...final.task, group: final.task.group }).catch(() => {});
      // Not waited for: sent on the same connection after the move, in order. Only when a cancel
      // was seen, or the task runs again under its ID (a mark left by a missed message would
      // cancel that run; one left on a finished task is harmless, and tasks-retry clears it).
      if (m.to === 'queue' || held.cancelled(claim.task.id)) void k.client.hdel(k.key('cancel'), claim.task.id).catch(() => {});
      return { kind: 'moved', to: m.to };
    } finally {
      held.finish(claim);
      dropLocal(spool, claim);
    }
  };

  return {
    where: o.backend.where,
    check: () => checkSafe(spool),
    // Stalled jobs (their worker died or froze) go back to the queue: BullMQ's own check, done by
    // every worker. Here: the runs of this worker whose launcher died (the worker carries on).
    recover: async () => {
      if (o.holder.alive?.() !== false) return [];
      const out: Recovered[] = [];
      for (const [claim, h] of held.all()) {
        if (h.settling) continue;
        // Its task may still run (the launcher's death does not end its group): killed first.
        held.lose(claim, h, 'its launcher died');
        held.finish(claim);
        dropLocal(spool, claim);
        await h.job.moveToDelayed(Date.now(), h.lock).catch(() => {});
        out.push({ id: claim.task.id, why: 'its launcher died; its process group was killed', to: 'queue' });
      }
      return out;
    },
    next: (now) => next(now),
    take,
    startRecord: (claim, worker, now) => {
      const text = held.get(claim)?.copied ?? '\n';
      return (text === '' || text.endsWith('\n') ? '' : '\n') + encode([['ATTEMPT', String(claim.task.attempt)], ['WORKER', worker], ['HOST', hostName()], ['WORKER_PID', String(process.pid)],
        ['WORKER_START', started], ['CLAIM', claim.token], ['STARTED', iso(now)]]);
    },
    logs: (id) => ({ out: logPath(spool, id, 'out'), err: logPath(spool, id, 'err') }),
    file: (claim) => taskPath(spool, 'running', claim.name),
    cancelRequested: async (claim) => {
      const asked = (await k.client.hexists(k.key('cancel'), claim.task.id).catch(() => 0)) === 1;
      if (asked) held.noteCancel(claim.task.id);
      return asked;
    },
    reread,
    settle,
    giveBack: async (claim) => {
      const h = held.get(claim);
      held.finish(claim);
      dropLocal(spool, claim);
      if (h) await h.job.moveToDelayed(Date.now(), h.lock).catch(() => {});
    },
    wait,
    pause: () => {},
    poke: () => {},
    close: () => {
      closing = true;
      held.close();
      clearInterval(sweeper);
      deadman.close();
      const s = stash;
      stash = undefined;
      void (async () => {
        // A job that came with the last move and was not run: back to the queue, not left to stall.
        if (s) await s.job.moveToWait(s.lock).catch(() => {});
        await worker.close(true).catch(() => {});
        await k.close();
      })();
      fs.rmSync(spool.root, { recursive: true, force: true });
    },
    register: (id) => register(k, id),
  };
}

const pause = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

function reasonOf(m: Move): string | undefined {
  return m.append.findLast(([key]) => key === 'REASON')?.[1];
}

