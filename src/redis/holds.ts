/**
 * The jobs a Redis worker holds, kept while their tasks run (worker-store.ts takes and settles
 * them). A held job is BullMQ's under a lock that lapses, and BullMQ gives a job whose lock lapsed
 * to another worker: a task must never run on past its worker's hold on it. So, from one timer for
 * the worker, not one per task:
 * - the lock is renewed every lockMs/4; a worker that cannot renew it before it lapses (Redis
 *   unreachable too long) or finds it taken (it stalled) kills its task's process group at once
 *   and records nothing;
 * - what the launcher records locally (the claim, the process group, the exit) is copied to the
 *   job only while the lock is still ours, so a worker that lost its job never writes into it;
 * - a cancel stops the task's process group: told by a pub/sub message, or, for a message missed,
 *   by the cancel mark looked at with each renewal.
 */
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { signalGroup } from '../persist/proc.js';
import type { Task } from '../queue/task.js';
import { taskFromText, type Tree } from '../queue/tree.js';
import type { ClaimReply } from '../worker/launcher.js';
import type { Claim } from '../store/worker-store.js';
import type { Conn, JobData } from './queue.js';
import type { Shipper } from './logs.js';
import { localText } from './spool.js';

/** A held job: its lock token and what keeps it. */
export interface Held {
  job: Job<JobData>;
  lock: string;
  /** The text last copied to the job. */
  copied: string;
  lost?: string;
  /** Ticked (the worker's one timer ticks every held task until its settle or loss). */
  ticking: boolean;
  renewedAt: number;
  lockedUntil: number;
  /** A tick is under way (ticks never overlap). */
  busy?: boolean;
  shipper?: Shipper;
  /** The launcher's hold on the local file, asked for and not waited on (worker-store.ts takeLocked). */
  holding: Promise<ClaimReply>;
  /** Its record as its launcher left it, read once the run was over (worker-store.ts reread). */
  final?: { text: string; task: Task };
  /** Its settle is under way: recovery leaves it to that. */
  settling?: boolean;
}

export interface HoldsOptions {
  /** The lock's duration: a task outlives a silent worker by less than this. */
  lockMs: number;
  /** Between SIGTERM and SIGKILL for a cancel. */
  killGraceMs: number;
}

// Copies the local record to the job only while the lock is still ours: a worker that lost its
// job never writes into it.
const FENCED_UPDATE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('HSET', KEYS[2], 'data', ARGV[2]) return 1 end return 0`;

type Fenced = { orcFencedUpdate(lockKey: string, jobKey: string, lock: string, data: string): Promise<number> };

export class Holds {
  private readonly held = new Map<Claim, Held>();
  /** Tasks of this worker with a cancel asked for (its mark is removed when the task is settled). */
  private readonly cancels = new Set<string>();
  /** The task taken last and not finished: the one a cancel message may be for. */
  private current: Claim | undefined;
  private readonly ticker: NodeJS.Timeout;

  /** Keep the jobs of a worker whose local records are in `spool`, and hear the cancels sent to it. */
  static async open(k: Conn, spool: Tree, o: HoldsOptions): Promise<Holds> {
    const sub = k.client.duplicate();
    sub.on('error', () => {});
    const holds = new Holds(k, spool, sub, o);
    await sub.subscribe(k.key('cancel'));
    sub.on('message', (_ch, id) => holds.cancelMessage(id));
    return holds;
  }

  private constructor(private readonly k: Conn, private readonly spool: Tree, private readonly sub: Redis, private readonly o: HoldsOptions) {
    k.client.defineCommand('orcFencedUpdate', { numberOfKeys: 2, lua: FENCED_UPDATE }); // sent by its SHA after the first time
    // One timer for the worker, not one per task (made and cleared per task, it cost a drain of
    // `true` more than the tick itself): it ticks every task held.
    this.ticker = setInterval(() => {
      for (const [claim, h] of this.held) void this.tick(claim, h);
    }, 250).unref(); // a held task keeps the worker alive by its launcher's pipe
  }

  /** How many jobs are held. */
  get size(): number {
    return this.held.size;
  }

  get(claim: Claim): Held | undefined {
    return this.held.get(claim);
  }

  /** Every job held, as a list (safe to finish them while going through it). */
  all(): Array<[Claim, Held]> {
    return [...this.held];
  }

  /** Hold a job just taken: ticked from now on, and the task a cancel message may be for. */
  add(claim: Claim, h: Held): void {
    this.held.set(claim, h);
    this.current = claim;
  }

  /** Hold it no longer: no more ticks, log ships or cancels for it. */
  finish(claim: Claim): void {
    const h = this.held.get(claim);
    if (h) h.ticking = false;
    h?.shipper?.stop();
    this.held.delete(claim);
    this.cancels.delete(claim.task.id);
    if (this.current === claim) this.current = undefined;
  }

  /** Note a cancel asked for task `id`, seen by the worker itself. */
  noteCancel(id: string): void {
    this.cancels.add(id);
  }

  /** Whether a cancel was seen for task `id` while it was held. */
  cancelled(id: string): boolean {
    return this.cancels.has(id);
  }

  /** Copy the local record to the job, only under our lock; false when the lock is gone. */
  async copy(h: Held, text: string): Promise<boolean> {
    if (text === h.copied) return true;
    const ok = await (this.k.client as unknown as Fenced).orcFencedUpdate(this.k.lockKey(h.job), this.k.jobKey(h.job), h.lock, JSON.stringify({ text }));
    if (ok === 1) h.copied = text;
    return ok === 1;
  }

  /** The job is no longer ours to run: its task's process group is killed, and nothing recorded. */
  lose(claim: Claim, h: Held, why: string): void {
    if (h.lost) return;
    h.lost = why;
    const pg = this.pgidOf(claim);
    if (pg !== undefined) signalGroup(pg, 'SIGKILL');
  }

  close(): void {
    clearInterval(this.ticker);
    void this.sub.quit().catch(() => {});
  }

  private cancelMessage(id: string): void {
    const current = this.current;
    if (!current || current.task.id !== id) return;
    this.cancels.add(id);
    void this.stopGroup(current, this.o.killGraceMs);
  }

  /** The group of this run: a group recorded by an earlier attempt (its text is kept) is not it. */
  private pgidOf(claim: Claim): number | undefined {
    const t = localText(this.spool, claim);
    const r = t === undefined ? undefined : taskFromText(t, claim.name);
    return r?.ok && r.task.owner?.claim === claim.token ? r.task.owner.pgid : undefined;
  }

  private async stopGroup(claim: Claim, graceMs: number): Promise<void> {
    for (let i = 0; i < 200 && this.pgidOf(claim) === undefined && this.held.has(claim); i++) await pause(10);
    const pg = this.pgidOf(claim);
    if (pg === undefined) return;
    signalGroup(pg, 'SIGTERM');
    setTimeout(() => signalGroup(pg, 'SIGKILL'), graceMs).unref();
  }

  /**
   * Every quarter second: copy what the launcher recorded (the claim, the process group, the exit)
   * to the job, so listings and recovery see it. Every lockMs/4: renew the lock, or kill the task
   * once it can no longer be renewed in time; and look for a cancel the pub/sub message missed.
   */
  private async tick(claim: Claim, h: Held): Promise<void> {
    if (h.lost || !h.ticking) return;
    const o = this.o;
    // Looked at also while an earlier tick still waits on Redis (a renewal sent to a Redis that
    // went away waits for it to come back): the task must be dead before the lock lapses.
    if (Date.now() > h.lockedUntil - o.lockMs / 4) return this.lose(claim, h, 'its lock could not be renewed in time (Redis unreachable?)');
    if (h.busy) return;
    h.busy = true;
    try {
      if (Date.now() - h.renewedAt >= o.lockMs / 4) {
        const renewed = await h.job.extendLock(h.lock, o.lockMs);
        if (!renewed) return this.lose(claim, h, 'its lock was taken (the job stalled and went to another worker)');
        h.renewedAt = Date.now();
        h.lockedUntil = h.renewedAt + o.lockMs;
        if (await this.k.client.hexists(this.k.key('cancel'), claim.task.id)) {
          this.cancels.add(claim.task.id);
          void this.stopGroup(claim, o.killGraceMs);
        }
      }
      const text = localText(this.spool, claim);
      if (text !== undefined) await this.copy(h, text);
      h.shipper?.look(); // not awaited: a slow ship must not hold up the next renewal
    } catch {
      // unreachable for now: the next tick tries again, and gives up once the lock is near its end
    } finally {
      h.busy = false;
    }
  }
}

const pause = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
