/**
 * The dispatcher of agent work queues: one process per session (`tmux-orc agent dispatch`, in
 * the session's `dispatcher` window) that gives each agent its queued tasks, one at a time, when
 * it is idle. It keeps nothing of its own: every tick reads the tree (queued and running agent
 * tasks) and each agent's debounced state, so a dispatcher killed at any point is replaced by one
 * that carries on from the tree. One tick, for each agent with work:
 *   1. look at the agent (its debounced state);
 *   2. act on the task it holds: recover, cancel, time out, deliver, settle on idle, or wait;
 *   3. if it holds none and is idle: claim its next ready task (priority, then FIFO) and deliver it.
 */
import path from 'node:path';
import { describe, OrcError } from '../errors.js';
import { withLock } from '../persist/lock.js';
import { processStart } from '../persist/proc.js';
import { formatDuration, iso, parseDuration } from '../time.js';
import * as A from '../tmux/argv.js';
import { tmuxClient } from '../tmux/client.js';
import { claimForAgent } from '../queue/agent-claim.js';
import { DONE_ON_IDLE_KEY, note, reported, undelivered } from '../queue/agent-lifecycle.js';
import { AgentTaskIndex, appendLog, failQueued, settleAgentTask, type AgentTaskFile } from '../queue/agent-tasks.js';
import { cancelMarker } from '../queue/cancel-marker.js';
import { afterRun, cancelled, readiness, type DepState } from '../queue/lifecycle.js';
import { judge, recoverStale } from '../queue/recover.js';
import { ensureTree, find, tree, type Tree } from '../queue/tree.js';
import { last } from '../persist/codec.js';
import { deliveryText, heldStep, mayGiveWork, type AgentView } from './dispatch-policy.js';
import { agentStatus } from './observe.js';
import { paneInfo } from './pane.js';
import { agentsDir, listAgents, type AgentRecord } from './registry.js';
import { sendMessage } from './send.js';
import { DEFAULT_STATUS_TIMING, type StatusTiming } from './status.js';
import { sleep } from './wait.js';
import { existingPane } from './window.js';

/** How a dispatcher runs. */
export interface DispatchOptions {
  root: string;
  /** The session (and tmux socket) whose agents it serves. */
  session: string;
  socket: string;
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
  while (!o.signal?.aborted) {
    try {
      await d.tick();
    } catch (err) {
      d.say(`tick failed: ${describe(err)}`);
    }
    await sleep(o.tickMs ?? 250);
  }
}

export class Dispatcher {
  private t: Tree;
  private index: AgentTaskIndex;
  private deps = new Map<string, { state: DepState; at: number }>();
  private timing: StatusTiming;

  constructor(private o: DispatchOptions) {
    this.t = tree(o.root);
    ensureTree(this.t);
    this.index = new AgentTaskIndex(this.t);
    this.timing = o.timing ?? DEFAULT_STATUS_TIMING;
  }

  say(line: string): void {
    (this.o.log ?? ((l) => process.stdout.write(`${l}\n`)))(`${new Date().toISOString().slice(11, 19)} ${line}`);
  }

  /** One pass over every agent of the session that has work. */
  async tick(): Promise<void> {
    const agents = new Map(listAgents(this.o.root).filter((a) => a.session === this.o.session && a.socket === this.o.socket).map((a) => [a.name, a]));
    const running = group(this.index.list('running'));
    const queued = group(this.index.list('queue'));
    let recover = false;
    for (const name of new Set([...running.keys(), ...queued.keys()])) {
      const rec = agents.get(name);
      if (!rec) continue; // another session's agent, or one that was killed: its turns wait for it
      try {
        recover = (await this.serve(rec, running.get(name) ?? [], queued.get(name) ?? [])) || recover;
      } catch (err) {
        this.say(`${name}: ${describe(err)}`); // one agent's trouble must not stall the others
      }
    }
    if (recover) for (const r of await recoverStale(this.t)) this.say(`${r.id}: ${r.why} → ${r.to}`);
  }

  /** Steps 1-3 for one agent; true when a turn it held needs recovery. */
  private async serve(rec: AgentRecord, held: AgentTaskFile[], queued: AgentTaskFile[]): Promise<boolean> {
    const ready = held.length ? [] : await this.ready(queued);
    // The agent's screen is read only when a decision needs its state: a turn to type, to settle
    // on idle, or to give. A turn being worked on costs no tmux call per tick.
    const look = ready.length > 0 || held.some((h) => !has(h, 'DELIVERED') || has(h, DONE_ON_IDLE_KEY));
    const st = look ? await agentStatus(this.o.root, rec, this.timing) : undefined;
    const view: AgentView = st ? { state: st.state, since: Date.parse(st.since) } : { state: 'unknown', since: Date.now() };
    let recover = false;
    for (const h of held) recover = (await this.onHeld(rec, h, view, st?.pane)) || recover;
    if (held.length === 0 && mayGiveWork(view)) await this.giveNext(rec, ready, st?.pane);
    return recover;
  }

  /** The queued turns that may be delivered now, in dispatch order; those that never can be are failed. */
  private async ready(queued: AgentTaskFile[]): Promise<AgentTaskFile[]> {
    const now = Date.now();
    const out: AgentTaskFile[] = [];
    for (const q of queued) {
      const r = readiness(q.task, now, (id) => this.depState(id));
      if (r.kind === 'doomed') {
        if (await failQueued(this.t, q.name, r.move)) this.say(`${q.task.id} → failed: ${r.move.append.find(([k]) => k === 'REASON')?.[1]}`);
      } else if (r.kind === 'ready') out.push(q);
    }
    return out;
  }

  /** Act on a held task; true when it needs recovery (nobody holds it). */
  private async onHeld(rec: AgentRecord, h: AgentTaskFile, a: AgentView, pane: string | undefined): Promise<boolean> {
    const task = h.task;
    const token = task.owner?.claim;
    if (!token) return judge(this.t, h.name).kind !== 'alive';
    const doneOnIdle = last(task.fields, DONE_ON_IDLE_KEY);
    const delivered = has(h, 'DELIVERED');
    let sawBusy = has(h, 'BUSY_SEEN');
    if (doneOnIdle !== undefined && delivered && !sawBusy && a.state === 'busy') {
      await settleAgentTask(this.t, h.name, token, note('BUSY_SEEN', iso(Date.now())));
      sawBusy = true;
    }
    const now = Date.now();
    const step = heldStep({
      held: judge(this.t, h.name).kind === 'alive',
      started: task.owner?.started ?? now,
      timeoutMs: task.timeoutMs,
      delivered,
      cancelRequested: cancelMarker(this.t, task.id) === token,
      doneOnIdleMs: doneOnIdle === undefined ? undefined : parseDuration(doneOnIdle),
      sawBusy,
    }, a, now);
    switch (step.kind) {
      case 'recover':
        return true;
      case 'cancel':
        await this.interrupt(rec, pane);
        return this.settled(h, token, cancelled(now), `cancelled; ${rec.name} was interrupted with Escape`);
      case 'timeout':
        await this.interrupt(rec, pane);
        return this.settled(h, token, afterRun(task, { exitCode: null, signal: null, timedOut: true, cancelled: false, durationMs: now - (task.owner?.started ?? now) }, now),
          `timeout after ${formatDuration(task.timeoutMs ?? 0)}; ${rec.name} was interrupted with Escape`);
      case 'deliver':
        await this.deliver(rec, h, token);
        return false;
      case 'done-on-idle':
        return this.settled(h, token, reported(task, true, `(settled on idle after ${doneOnIdle})`, now), `done: ${rec.name} stayed idle for ${doneOnIdle}`);
      case 'wait':
        return false;
    }
  }

  private async settled(h: AgentTaskFile, token: string, m: Parameters<typeof settleAgentTask>[3], why: string): Promise<false> {
    const r = await settleAgentTask(this.t, h.name, token, m, `${iso(Date.now())} ${why}`);
    if (r.kind === 'moved') this.say(`${h.task.id} → ${r.to}: ${why}`);
    return false;
  }

  /** Escape interrupts the agent CLIs we know (and the fake one), without quitting them. */
  private async interrupt(rec: AgentRecord, pane: string | undefined): Promise<void> {
    const tmux = tmuxClient(rec.socket);
    const target = pane ?? (await existingPane(tmux, rec));
    if (target) await tmux.run(A.sendKeys(target, 'Escape')).catch(() => undefined);
  }

  /** Claim the first ready turn of an idle agent holding none, and deliver it. */
  private async giveNext(rec: AgentRecord, ready: AgentTaskFile[], pane: string | undefined): Promise<void> {
    if (ready.length === 0 || !pane) return;
    // The holder watches the agent's process: its pane's pid, with its start time against reuse.
    const info = await paneInfo(tmuxClient(rec.socket), pane);
    const start = info && !info.dead ? processStart(info.pid) : undefined;
    if (!info || start === undefined) return;
    for (const q of ready) {
      const now = Date.now();
      const token = `${process.pid}-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      // One turn per agent, also against a second dispatcher: look at running/ and claim under one lock.
      const reply = await withLock(path.join(agentsDir(this.o.root), `.claim-${rec.name}.lock`), async () => {
        if (this.index.list('running', true).some((f) => f.agent === rec.name)) return 'holds one';
        return (await claimForAgent(this.t, { name: q.name, agent: rec.name, token, attempt: q.task.attempt, watch: { pid: info.pid, start }, now })).kind;
      }, { staleMs: 10_000, waitMs: 10_000 });
      if (reply === 'gone' || reply === 'busy') continue; // taken meanwhile (cancelled, or another dispatcher's)
      if (reply !== 'claimed') {
        if (reply !== 'holds one') this.say(`${q.task.id}: could not claim (${reply})`);
        return;
      }
      const h = this.index.list('running', true).find((f) => f.name === q.name);
      if (h) await this.deliver(rec, h, token);
      return;
    }
  }

  /** Type the task into the agent (verified, as `send` does) and record that it was. */
  private async deliver(rec: AgentRecord, h: AgentTaskFile, token: string): Promise<void> {
    const text = deliveryText(h.task.id, h.task.cmd);
    try {
      await sendMessage(this.o.root, rec.name, text);
    } catch (err) {
      if (!(err instanceof OrcError) || err.code !== 'undelivered') throw err;
      // A dead agent's holder lets go by itself; an agent that does not take input gets it again later.
      if (/is dead|is gone|no pane/.test(err.message)) return;
      await this.settled(h, token, undelivered(h.task, err.message, Date.now()), `not delivered to ${rec.name}: ${err.message}`);
      return;
    }
    // Logged first: a quick agent may report (and settle) before DELIVERED is recorded.
    appendLog(this.t, h.task.id, `${iso(Date.now())} delivered to ${rec.name} (attempt ${h.task.attempt}):\n${text}`);
    await settleAgentTask(this.t, h.name, token, note('DELIVERED', iso(Date.now())));
    this.say(`${h.task.id} → ${rec.name} (attempt ${h.task.attempt})`);
  }

  /**
   * Where a dependency is, looked up at most once a second (a look reads every state directory);
   * done is remembered for good (only a failed task comes back, by tasks-retry).
   */
  private depState(id: string): DepState {
    const known = this.deps.get(id);
    if (known && (known.state === 'done' || Date.now() - known.at < 1000)) return known.state;
    const f = find(this.t, id);
    const state: DepState = !f ? 'missing' : f.dir === 'done' ? 'done' : f.dir === 'failed' ? 'failed' : 'pending';
    this.deps.set(id, { state, at: Date.now() });
    return state;
  }
}

const has = (f: AgentTaskFile, key: string): boolean => last(f.task.fields, key) !== undefined;

function group(files: AgentTaskFile[]): Map<string, AgentTaskFile[]> {
  const m = new Map<string, AgentTaskFile[]>();
  for (const f of files) m.set(f.agent, [...(m.get(f.agent) ?? []), f]);
  return m;
}
