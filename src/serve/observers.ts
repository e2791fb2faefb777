/**
 * What the server watches besides tasks: the worker registry (workers/, one file per worker,
 * its mtime the heartbeat) and the agents' states. Each publishes an event when a worker or an
 * agent changes state, and keeps the last look for /metrics and the API.
 */
import fs from 'node:fs';
import { listWorkers, type WorkerInfo } from '../queue/workers.js';
import type { Tree } from '../queue/tree.js';
import { agentsDir, listAgents } from '../agents/registry.js';
import { agentStatus, type AgentStatus } from '../agents/observe.js';
import type { EventLog } from './events.js';

/** A worker's state as the server reports it. */
export type WorkerWord = 'idle' | 'busy' | 'dead';

export const workerWord = (w: WorkerInfo): WorkerWord => (!w.alive ? 'dead' : w.task ? 'busy' : 'idle');

/**
 * The workers: looked at on every change in workers/ or running/, and every `everyMs`, since a
 * worker that dies leaves no file event (a look reads a few registry files and /proc entries).
 */
export class WorkerWatch {
  workers: WorkerInfo[] = [];
  private last = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private watcher?: fs.FSWatcher;

  constructor(private readonly t: Tree, private readonly events: EventLog, private readonly everyMs = 200) {}

  start(): void {
    this.look(false);
    try {
      this.watcher = fs.watch(this.t.dir('workers'), { persistent: false }, () => this.lookSoon());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // the timer carries on alone
    }
    this.timer = setInterval(() => this.look(), this.everyMs);
    this.timer.unref();
  }

  /** Look again shortly (changes come in bursts: a claim touches running/ and the registry). */
  lookSoon(): void {
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      this.look();
    }, 10);
  }

  look(publish = true): void {
    try {
      this.workers = listWorkers(this.t);
    } catch {
      return; // the tree is failing; the next look says more
    }
    const seen = new Set<string>();
    for (const w of this.workers) {
      const key = `${w.host}.${w.id}`;
      seen.add(key);
      const state = workerWord(w);
      const sig = `${state}:${w.pid}:${w.task?.id ?? ''}`;
      if (this.last.get(key) === sig) continue;
      this.last.set(key, sig);
      if (publish) this.events.publish('worker', { id: w.id, host: w.host, pid: w.pid, state, task: w.task?.id });
    }
    for (const key of [...this.last.keys()]) {
      if (seen.has(key)) continue;
      this.last.delete(key);
      const dot = key.indexOf('.');
      if (publish) this.events.publish('worker', { id: key.slice(dot + 1), host: key.slice(0, dot), state: 'gone' });
    }
  }

  close(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.watcher?.close();
  }
}

/**
 * The agents: each one's status is looked at every `everyMs` (a screen changes without any file
 * event; the status itself is debounced over seconds), and at once when a record in agents/
 * changes (an agent spawned, revived or killed).
 */
export class AgentWatch {
  states = new Map<string, AgentStatus>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lookedAt = 0;
  private watcher?: fs.FSWatcher;

  constructor(private readonly root: string, private readonly events: EventLog, private readonly everyMs = 2000) {}

  start(): void {
    void this.poll();
    this.timer = setInterval(() => {
      void this.poll();
      this.watch(); // agents/ appears with the first agent
    }, this.everyMs);
    this.timer.unref();
    this.watch();
  }

  private watch(): void {
    if (this.watcher) return;
    try {
      // Not for .status/: each look writes there, and must not cause the next.
      this.watcher = fs.watch(agentsDir(this.root), { persistent: false }, (_e, name) => {
        if (name && !String(name).startsWith('.')) void this.poll();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // no agents/ yet, or no watch to be had: the timer carries on
    }
  }

  /** One look at every agent (a look already under way is joined, not doubled). */
  poll(): Promise<void> {
    this.running ??= this.pollOnce().finally(() => {
      this.running = undefined;
      this.lookedAt = Date.now();
    });
    return this.running;
  }

  /** The states, looked at again unless a look ended less than `maxAgeMs` ago. */
  async fresh(maxAgeMs = 1000): Promise<Map<string, AgentStatus>> {
    if (this.running || Date.now() - this.lookedAt >= maxAgeMs) await this.poll();
    return this.states;
  }

  private async pollOnce(): Promise<void> {
    let recs;
    try {
      recs = listAgents(this.root);
    } catch {
      return;
    }
    const names = new Set(recs.map((r) => r.name));
    for (const rec of recs) {
      let s: AgentStatus;
      try {
        s = await agentStatus(this.root, rec);
      } catch {
        continue; // tmux missing or failing: the state stays as last seen
      }
      const prev = this.states.get(rec.name);
      this.states.set(rec.name, s);
      if (prev?.state !== s.state) this.events.publish('agent', { name: s.name, role: s.role, state: s.state, reason: s.reason, from: prev?.state });
    }
    for (const name of [...this.states.keys()]) {
      if (names.has(name)) continue;
      this.states.delete(name);
      this.events.publish('agent', { name, state: 'gone' });
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.watcher?.close();
  }
}
