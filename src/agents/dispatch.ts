/**
 * The dispatcher of agent work queues: one process per session (`tmux-orc agent dispatch`, in
 * the session's `dispatcher` window) that gives each agent its queued tasks, one at a time, when
 * it is idle. It keeps nothing of its own: every tick reads the queues it serves (the tree, and
 * the Redis backend when one is named: turns.ts) and each agent's debounced state, so a
 * dispatcher killed at any point is replaced by one that carries on from them. One tick, for
 * each agent with work:
 *   1. look at the agent (its debounced state);
 *   2. act on the task it holds: recover, cancel, time out, deliver, settle on idle, or wait;
 *   3. if it holds none (in any queue) and is idle: claim its next ready task (priority, then
 *      FIFO; the tree's before the backend's) and deliver it.
 */
import path from 'node:path';
import { describe, OrcError } from '../errors.js';
import { withLock } from '../persist/lock.js';
import { processStart } from '../persist/proc.js';
import { formatDuration, iso, parseDuration } from '../time.js';
import * as A from '../tmux/argv.js';
import { tmuxClient } from '../tmux/client.js';
import { DONE_ON_IDLE_KEY, note, reported, undelivered } from '../queue/agent-lifecycle.js';
import { afterRun, cancelled, type Move } from '../queue/lifecycle.js';
import { last } from '../persist/codec.js';
import { deliveryText, heldStep, mayGiveWork, type AgentView } from './dispatch-policy.js';
import { agentStatus } from './observe.js';
import { paneInfo } from './pane.js';
import { agentsDir, listAgents, type AgentRecord } from './registry.js';
import { sendMessage } from './send.js';
import { DEFAULT_STATUS_TIMING, type StatusTiming } from './status.js';
import { lockMs } from '../redis/lock-ms.js';
import { treeTurns } from './tree-turns.js';
import type { AgentQueue, AgentWork, Turn } from './turns.js';
import { sleep } from './wait.js';
import { existingPane } from './window.js';

/** How a dispatcher runs. */
export interface DispatchOptions {
  root: string;
  /** The session (and tmux socket) whose agents it serves. */
  session: string;
  socket: string;
  /** A Redis backend whose agent turns it serves too (README "Backends"). */
  backend?: string;
  /** Between ticks: how soon an agent that went idle gets its next task. Default 250 ms. */
  tickMs?: number;
  timing?: StatusTiming;
  /** Where its lines go (its pane). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Run until `signal` aborts. */
export async function runDispatcher(o: DispatchOptions): Promise<void> {
  const d = new Dispatcher(o);
  let connectAt = 0;
  try {
    while (!o.signal?.aborted) {
      // The backend's turns are served once it can be reached; the tree's are looked after meanwhile (mayGive: when new ones are given).
      if (o.backend && !d.servesBackend && Date.now() >= connectAt) {
        connectAt = Date.now() + 5000;
        await d.connect(o.backend).catch((err) => d.say(`${describe(err)}; ${d.mayGive() ? 'turns on the tree are served meanwhile' : `turns held on the tree are looked after meanwhile, new ones wait until it answers (for at most ${formatDuration(lockMs())} from this start)`}; trying again in 5 s`));
      }
      try {
        await d.tick();
      } catch (err) {
        d.say(`tick failed: ${describe(err)}`);
      }
      await sleep(o.tickMs ?? 250);
    }
  } finally {
    await d.close();
  }
}

/** The Redis backend's module, loaded only when a backend is named (as src/cli/context.ts loadRedis). */
async function loadRedisTurns(): Promise<typeof import('../redis/agent-queue.js')> {
  const { loadRedis } = await import('../cli/context.js');
  return loadRedis();
}

/** A held turn and the queue it is held in. */
interface Held {
  q: AgentQueue;
  turn: Turn;
}

export class Dispatcher {
  private queues: AgentQueue[];
  private timing: StatusTiming;
  private trouble = new Map<AgentQueue, { line: string; at: number }>();
  /** Whether the backend's queue is among them (connected). */
  servesBackend = false;
  /** The queues read at least once: only then is what the agents hold there known. */
  private seen = new Set<AgentQueue>();
  private readonly started = Date.now();

  constructor(private o: DispatchOptions) {
    this.queues = [treeTurns(o.root, (l) => this.say(l))];
    this.timing = o.timing ?? DEFAULT_STATUS_TIMING;
  }

  /**
   * Whether it may give new turns. One started with a backend it has not read yet cannot see which
   * agents hold one of its turns (it started while Redis was away), so it gives none until it has
   * read it once — or until the lock's duration has passed since its start: by then any turn held
   * by a dispatcher before it has lapsed, and goes back to the queue to be delivered again. Once
   * read, Redis going away leaves it what it holds there itself, which is all its agents hold.
   */
  mayGive(): boolean {
    if (this.o.backend === undefined || (this.servesBackend && this.queues.every((q) => this.seen.has(q)))) return true;
    return Date.now() - this.started >= lockMs();
  }

  /** Serve the backend's turns too. */
  async connect(url: string): Promise<void> {
    const { redisTurns } = await loadRedisTurns();
    this.queues.push(await redisTurns({ url, session: this.o.session, say: (l) => this.say(l), cwdOf: (a) => listAgents(this.o.root).find((r) => r.name === a)?.cwd ?? '' }));
    this.servesBackend = true;
    this.say(`serving the turns of ${this.queues.at(-1)!.where} too`);
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close().catch(() => {})));
  }

  say(line: string): void {
    (this.o.log ?? ((l) => process.stdout.write(`${l}\n`)))(`${new Date().toISOString().slice(11, 19)} ${line}`);
  }

  /** One pass over every agent of the session that has work. */
  async tick(): Promise<void> {
    const agents = new Map(listAgents(this.o.root).filter((a) => a.session === this.o.session && a.socket === this.o.socket).map((a) => [a.name, a]));
    const names = new Set(agents.keys()); // another session's agents, or killed ones: their turns wait for them
    // A queue that cannot be read this tick (Redis away) is skipped: the others are served.
    const scans = await Promise.all(this.queues.map((q) => q.scan(names).then((m) => {
      this.trouble.delete(q);
      this.seen.add(q);
      return m;
    }, (err) => {
      const line = `${q.where}: ${describe(err)}`;
      const seen = this.trouble.get(q);
      if (!seen || seen.line !== line || Date.now() - seen.at > 30_000) { // said again only after 30 s, not four times a second
        this.say(line);
        this.trouble.set(q, { line, at: Date.now() });
      }
      return new Map<string, AgentWork>();
    })));
    const lost = new Map<AgentQueue, Turn[]>();
    for (const name of new Set(scans.flatMap((s) => [...s.keys()]))) {
      const held = scans.flatMap((s, i) => (s.get(name)?.held ?? []).map((turn) => ({ q: this.queues[i], turn })));
      const waiting = this.queues.filter((_, i) => scans[i].get(name)?.waiting);
      try {
        for (const h of await this.serveAgent(agents.get(name)!, held, waiting)) lost.set(h.q, [...(lost.get(h.q) ?? []), h.turn]);
      } catch (err) {
        this.say(`${name}: ${describe(err)}`); // one agent's trouble must not stall the others
      }
    }
    for (const [q, turns] of lost) for (const line of await q.recover(turns)) this.say(line);
  }

  /** Steps 1-3 for one agent; the held turns that need recovery. */
  private async serveAgent(rec: AgentRecord, held: Held[], waiting: AgentQueue[]): Promise<Held[]> {
    const give = held.length === 0 && waiting.length > 0 && this.mayGive();
    // The agent's screen is read only when a decision needs its state: a turn to type, to settle
    // on idle, or to give. A turn being worked on costs no tmux call per tick.
    const look = give || held.some((h) => !has(h.turn, 'DELIVERED') || has(h.turn, DONE_ON_IDLE_KEY));
    const st = look ? await agentStatus(this.o.root, rec, this.timing) : undefined;
    const view: AgentView = st ? { state: st.state, since: Date.parse(st.since) } : { state: 'unknown', since: Date.now() };
    const lost: Held[] = [];
    for (const h of held) if (await this.onHeld(rec, h, view, st?.pane)) lost.push(h);
    if (give && mayGiveWork(view)) await this.giveNext(rec, waiting, st?.pane);
    return lost;
  }

  /** Act on a held turn; true when it needs recovery (nobody holds it). */
  private async onHeld(rec: AgentRecord, h: Held, a: AgentView, pane: string | undefined): Promise<boolean> {
    const { q, turn } = h;
    const task = turn.task;
    if (!task.owner?.claim) return !(await q.alive(turn));
    const doneOnIdle = last(task.fields, DONE_ON_IDLE_KEY);
    const delivered = has(turn, 'DELIVERED');
    let sawBusy = has(turn, 'BUSY_SEEN');
    if (doneOnIdle !== undefined && delivered && !sawBusy && a.state === 'busy') {
      await q.settle(turn, note('BUSY_SEEN', iso(Date.now())));
      sawBusy = true;
    }
    const now = Date.now();
    const step = heldStep({
      held: await q.alive(turn),
      started: task.owner?.started ?? now,
      timeoutMs: task.timeoutMs,
      delivered,
      cancelRequested: await q.cancelRequested(turn),
      doneOnIdleMs: doneOnIdle === undefined ? undefined : parseDuration(doneOnIdle),
      sawBusy,
    }, a, now);
    switch (step.kind) {
      case 'recover':
        return true;
      case 'cancel':
        await this.interrupt(rec, pane);
        return this.settled(h, cancelled(now), `cancelled; ${rec.name} was interrupted with Escape`);
      case 'timeout':
        await this.interrupt(rec, pane);
        return this.settled(h, afterRun(task, { exitCode: null, signal: null, timedOut: true, cancelled: false, durationMs: now - (task.owner?.started ?? now) }, now),
          `timeout after ${formatDuration(task.timeoutMs ?? 0)}; ${rec.name} was interrupted with Escape`);
      case 'deliver':
        await this.deliver(rec, h);
        return false;
      case 'done-on-idle':
        return this.settled(h, reported(task, true, `(settled on idle after ${doneOnIdle})`, now), `done: ${rec.name} stayed idle for ${doneOnIdle}`);
      case 'wait':
        return false;
    }
  }

  private async settled(h: Held, m: Move, why: string): Promise<false> {
    const r = await h.q.settle(h.turn, m, `${iso(Date.now())} ${why}`);
    if (r.kind === 'moved') this.say(`${h.turn.id} → ${r.to}: ${why}`);
    return false;
  }

  /** Escape interrupts the agent CLIs we know (and the fake one), without quitting them. */
  private async interrupt(rec: AgentRecord, pane: string | undefined): Promise<void> {
    const tmux = tmuxClient(rec.socket);
    const target = pane ?? (await existingPane(tmux, rec));
    if (target) await tmux.run(A.sendKeys(target, 'Escape')).catch(() => undefined);
  }

  /** Claim the first ready turn of an idle agent holding none, and deliver it. */
  private async giveNext(rec: AgentRecord, waiting: AgentQueue[], pane: string | undefined): Promise<void> {
    if (!pane) return;
    // The hold lasts while the agent's process lives: its pane's pid, with its start time against reuse.
    const info = await paneInfo(tmuxClient(rec.socket), pane);
    const start = info && !info.dead ? processStart(info.pid) : undefined;
    if (!info || start === undefined) return;
    // One turn per agent, also against a second dispatcher: look at what it holds and claim under one lock.
    const got = await withLock(path.join(agentsDir(this.o.root), `.claim-${rec.name}.lock`), async () => {
      for (const q of this.queues) if (await q.holds(rec.name)) return undefined;
      for (const q of waiting) {
        const turn = await q.claimNext(rec.name, { pid: info.pid, start });
        if (turn) return { q, turn };
      }
      return undefined;
    }, { staleMs: 10_000, waitMs: 10_000 });
    if (got) await this.deliver(rec, got);
  }

  /** Type the task into the agent (verified, as `send` does) and record that it was. */
  private async deliver(rec: AgentRecord, h: Held): Promise<void> {
    const { turn } = h;
    const text = deliveryText(turn.id, turn.task.cmd);
    try {
      await sendMessage(this.o.root, rec.name, text);
    } catch (err) {
      if (!(err instanceof OrcError) || err.code !== 'undelivered') throw err;
      // A dead agent's hold ends by itself; an agent that does not take input gets it again later.
      if (/is dead|is gone|no pane/.test(err.message)) return;
      await this.settled(h, undelivered(turn.task, err.message, Date.now()), `not delivered to ${rec.name}: ${err.message}`);
      return;
    }
    // Logged first: a quick agent may report (and settle) before DELIVERED is recorded.
    await h.q.log(turn, `${iso(Date.now())} delivered to ${rec.name} (attempt ${turn.task.attempt}):\n${text}`);
    await h.q.settle(turn, note('DELIVERED', iso(Date.now())));
    this.say(`${turn.id} → ${rec.name} (attempt ${turn.task.attempt})`);
  }
}

const has = (t: Turn, key: string): boolean => last(t.task.fields, key) !== undefined;
