/**
 * `tasks-start` / `tasks-stop`: worker loops in the worker panes.
 *
 * Start replaces the pane's idle shell by `worker ...; exec $SHELL` with `respawn-pane -k`, so
 * whatever the shell was doing (a half-typed line, a continuation prompt, copy mode, a deleted
 * working directory, vi mode) cannot garble the command; when the worker exits the pane gets a
 * fresh shell, and the worker's last words stay on screen above it. A pane whose foreground is
 * some other program is left alone and reported. Stop signals the registered worker process
 * directly (SIGINT = drain; a second SIGINT = cancel and requeue), which no pane mode can swallow.
 */
import { fail } from '../errors.js';
import { HOST, isAlive, processStart } from '../persist/proc.js';
import { listWorkers } from '../queue/workers.js';
import { tree } from '../queue/tree.js';
import { checkSafe } from '../queue/trust.js';
import { selfCommand } from '../self.js';
import * as A from '../tmux/argv.js';
import { requireSession, type SessionContext } from './context.js';
import { panes, workerPanes, type Pane } from './panes.js';
import { atPrompt, localWorkers, stateOf } from './worker-state.js';

/** What happened to one worker pane. */
export interface WorkerOutcome {
  worker: number;
  pane: string;
  result: 'started' | 'running' | 'refused' | 'draining' | 'cancelling' | 'stopped' | 'not-running';
  pid?: number;
  detail?: string;
}

/** Parse `0,2-3` into sorted worker numbers; every one must exist (0..count-1). */
export function parseSubset(text: string, count: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw fail('usage', `--subset takes worker numbers and ranges like 0,2-3, got ${JSON.stringify(text)}`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) throw fail('usage', `--subset range ${part} runs backwards`);
    for (let n = a; n <= b; n++) {
      if (n >= count) throw fail('not-found', `no worker ${n}: workers are 0..${count - 1}`);
      out.add(n);
    }
  }
  return [...out].sort((x, y) => x - y);
}

async function selected(ctx: SessionContext, subset: string | undefined): Promise<Pane[]> {
  const sid = await requireSession(ctx);
  const all = workerPanes(await panes(ctx.tmux, sid));
  if (all.length === 0) throw fail('not-found', `session "${ctx.cfg.session}" has no worker panes (run tmux-orc init)`);
  if (subset === undefined) return all;
  const want = new Set(parseSubset(subset, all.length));
  return all.filter((p) => want.has(p.worker!));
}

/** The shell line a worker pane runs: the worker, a line saying how it ended, then a fresh shell. */
export function workerPaneCommand(n: number, root: string): string {
  const worker = selfCommand('worker', '--id', String(n), '--root', root);
  return `${worker}; echo "tmux-orc: worker-${n} exited with status $?"; exec "\${SHELL:-/bin/sh}"`;
}

/** Start worker loops in the selected panes and wait until each has registered. */
export async function tasksStart(ctx: SessionContext, opts: { root: string; cwd: string; subset?: string; waitMs?: number }): Promise<WorkerOutcome[]> {
  const targets = await selected(ctx, opts.subset);
  checkSafe(tree(opts.root)); // say why now, rather than a worker dying in its pane
  const reg = localWorkers(opts.root);
  const out: WorkerOutcome[] = [];
  for (const p of targets) {
    const n = p.worker!;
    const s = stateOf(reg.get(n));
    if (s.state === 'idle' || s.state === 'busy') {
      out.push({ worker: n, pane: p.paneId, result: 'running', pid: s.pid });
    } else if (!p.dead && !atPrompt(p)) {
      out.push({ worker: n, pane: p.paneId, result: 'refused', detail: `pane is running ${p.command}; not touching it` });
    } else {
      if (p.inMode) await ctx.tmux.run(A.cancelMode(p.paneId)).catch(() => undefined);
      await ctx.tmux.run(A.respawnPaneWith(p.paneId, opts.cwd, workerPaneCommand(n, opts.root)));
      out.push({ worker: n, pane: p.paneId, result: 'started' });
    }
  }
  await waitRegistered(opts.root, out, opts.waitMs ?? 15_000);
  return out;
}

async function waitRegistered(root: string, out: WorkerOutcome[], waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const reg = localWorkers(root);
    for (const o of out) if (o.result === 'started' && reg.get(o.worker)?.alive) o.pid = reg.get(o.worker)!.pid;
    const pending = out.filter((o) => o.result === 'started' && o.pid === undefined);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const names = pending.map((o) => `worker-${o.worker}`).join(', ');
      throw fail('failed', `${names} did not start within ${waitMs / 1000}s; see the pane (tmux-orc capture)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Drain (or with `now`, cancel and requeue) the workers of the selected panes; with `waitMs`,
 * wait for them to exit, telling `onWait` how many are left while it waits.
 */
export async function tasksStop(
  ctx: SessionContext,
  opts: { root: string | undefined; subset?: string; now?: boolean; waitMs?: number; onWait?: (left: number, total: number) => void },
): Promise<WorkerOutcome[]> {
  const targets = await selected(ctx, opts.subset);
  const reg = localWorkers(opts.root);
  const out: WorkerOutcome[] = [];
  for (const p of targets) {
    const w = reg.get(p.worker!);
    if (!w?.alive) {
      out.push({ worker: p.worker!, pane: p.paneId, result: 'not-running' });
      continue;
    }
    await signalWorker(w.pid, opts.now ? 2 : 1);
    out.push({ worker: p.worker!, pane: p.paneId, pid: w.pid, result: opts.now ? 'cancelling' : 'draining', detail: w.task ? `task ${w.task.id}` : undefined });
  }
  if (opts.waitMs !== undefined) {
    const deadline = Date.now() + opts.waitMs;
    const waited = out.filter((x) => x.pid).map((o) => ({ o, start: processStart(o.pid!) }));
    for (;;) {
      const left = waited.filter((w) => w.start && isAlive(w.o.pid!, w.start));
      for (const w of waited) if (!left.includes(w)) w.o.result = 'stopped';
      if (left.length === 0) break;
      opts.onWait?.(left.length, waited.length);
      const { o } = left[0];
      if (Date.now() > deadline) throw fail('timeout', `worker-${o.worker} (pid ${o.pid}) still running after ${opts.waitMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return out;
}

/**
 * Stop one registered worker of this host, wherever it runs (a pane or not): drain (finish the
 * current task, then exit) or, with `now`, cancel its task, requeue it and exit, as tasks-stop
 * does for a pane. A worker of another host cannot be signalled from here (conflict).
 */
export async function stopWorker(root: string, host: string, id: string, now = false): Promise<{ pid: number; result: 'draining' | 'cancelling'; task?: string }> {
  const t = tree(root);
  const w = listWorkers(t).find((x) => x.host === host && x.id === id);
  if (!w) throw fail('not-found', `no worker ${id} on ${host}`);
  if (host !== HOST) throw fail('conflict', `worker-${id} runs on ${host}, not here (${HOST}): stop it there`);
  if (!w.alive) throw fail('conflict', `worker-${id} on ${host} is not running`);
  await signalWorker(w.pid, now ? 2 : 1);
  return { pid: w.pid, result: now ? 'cancelling' : 'draining', task: w.task?.id };
}

/**
 * SIGINT once (drain) or twice (cancel). The second is sent after a pause so the kernel cannot
 * merge two pending SIGINTs into one, and only to the same process (pid and start time).
 */
async function signalWorker(pid: number, times: 1 | 2): Promise<void> {
  const start = processStart(pid);
  for (let i = 0; i < times; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 250));
    if (!start || !isAlive(pid, start)) return;
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return;
    }
  }
}

/** Ask an idle worker to exit (SIGTERM drains) and wait up to `ms`; false if it still runs. */
export async function stopWorkerAndWait(pid: number, ms = 5000): Promise<boolean> {
  const start = processStart(pid);
  if (!start) return true;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return true;
  }
  const deadline = Date.now() + ms;
  while (isAlive(pid, start)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
