/**
 * /metrics in the Prometheus text format (prom-client), named as queue exporters name theirs.
 * Gauges are read from the index and the watchers at scrape time; the finished counter and the
 * duration histogram count the finishes this server saw since it started (counters start at 0
 * with the process, as Prometheus expects: rate() handles the restart).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { STATE_DIRS } from '../queue/tree.js';
import type { TaskIndex, TaskChange } from './task-index.js';
import { workerWord, type AgentWatch, type WorkerWatch } from './observers.js';
import type { AgentState } from '../agents/status.js';

const AGENT_STATES: AgentState[] = ['starting', 'idle', 'busy', 'waiting-for-input', 'dead', 'unknown'];

export function makeMetrics(index: TaskIndex, workers: WorkerWatch, agents: AgentWatch): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'tmuxorc_tasks',
    help: 'Tasks in the tree, by state (queue, held, running, done, failed).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const d of STATE_DIRS) this.set({ state: d }, index.count(d));
    },
  });
  const finished = new Counter({
    name: 'tmuxorc_tasks_finished_total',
    help: 'Tasks this server saw finish since it started, by status (done, failed, timeout, cancelled, ...).',
    labelNames: ['status'],
    registers: [registry],
  });
  finished.inc({ status: 'done' }, 0);
  finished.inc({ status: 'failed' }, 0);
  const duration = new Histogram({
    name: 'tmuxorc_task_duration_seconds',
    help: 'Run time of the tasks this server saw finish (start to finish of the last run).',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers: [registry],
  });
  new Gauge({
    name: 'tmuxorc_queue_latency_seconds',
    help: 'How long the oldest runnable task (due, no dependencies) has been waiting; 0 when none is.',
    registers: [registry],
    collect() {
      const now = Date.now();
      let oldest = now;
      for (const e of index.entries('queue')) {
        if (index.refresh(e, now).status !== 'ready') continue;
        const since = Math.max(e.clockMs ?? now, e.dueMs);
        if (since < oldest) oldest = since;
      }
      this.set((now - oldest) / 1000);
    },
  });
  new Gauge({
    name: 'tmuxorc_workers',
    help: 'Registered workers, by state (idle, busy, dead).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const n = { idle: 0, busy: 0, dead: 0 };
      for (const w of workers.workers) n[workerWord(w)]++;
      for (const [state, v] of Object.entries(n)) this.set({ state }, v);
    },
  });
  new Gauge({
    name: 'tmuxorc_agent_state',
    help: 'Each agent\'s state: 1 for the state it is in, 0 for the others.',
    labelNames: ['agent', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [agent, s] of agents.states) for (const state of AGENT_STATES) this.set({ agent, state }, s.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tmuxorc_agent_queue',
    help: "Turns queued for each agent (in queue/, not yet given to it); 0 for an agent with none.",
    labelNames: ['agent'],
    registers: [registry],
    collect() {
      // From the index's agent turns and the agents last observed: a scrape reads no file.
      this.reset();
      for (const agent of agents.states.keys()) this.set({ agent }, 0);
      for (const [agent, q] of index.agentQueues()) this.set({ agent }, q.waiting);
    },
  });
  index.onChange((changes: TaskChange[]) => {
    for (const c of changes) {
      if ((c.state !== 'done' && c.state !== 'failed') || c.from?.state === c.state || !c.row) continue;
      finished.inc({ status: c.row.status });
      const started = c.row.started ? Date.parse(c.row.started) : NaN;
      const ended = c.row.finished ? Date.parse(c.row.finished) : NaN;
      if (ended >= started) duration.observe((ended - started) / 1000);
    }
  });
  return registry;
}
