/**
 * `run-all`, `run-one`, `run-master`: type a command line into panes so that it arrives exactly
 * as given. A pane in copy mode would swallow the keys silently, so any mode is cancelled first;
 * the text goes with `send-keys -l` (no key-name lookup) and Enter as a separate key.
 */
import { fail } from '../errors.js';
import * as A from '../tmux/argv.js';
import type { TmuxClient } from '../tmux/client.js';
import { requireSession, type SessionContext } from './context.js';
import { panes, windowWithRole, workerPanes, type Pane } from './panes.js';
import { localWorkers, stateOf } from './worker-state.js';

/** One pane a command was sent to (or could not be). */
export interface SendOutcome {
  pane: string;
  worker?: number;
  delivered: boolean;
  reason?: string;
  /** Not typed because a worker loop runs in the pane (and --force was not given). */
  skipped?: boolean;
}

/** What `run-all` / `run-one` take besides the text. */
export interface RunOptions {
  /** Type into panes where a worker loop runs too. */
  force?: boolean;
  /** The tree whose worker registry tells which panes run a worker loop (default: the one `init` recorded in the session). */
  root?: string;
}

/**
 * The tree the session's workers use: the one `init` recorded in the session environment, else
 * `fallback`. Worker loops register there, so that is where to look for them.
 */
async function sessionRoot(ctx: SessionContext, sid: string, fallback: string | undefined): Promise<string | undefined> {
  const out = await ctx.tmux.run(A.showEnvironment(sid, 'TASK_ROOT')).catch(() => '');
  const m = /^TASK_ROOT=(\/.*)$/m.exec(out);
  return m ? m[1] : fallback;
}

/**
 * Why typing into this worker pane would go wrong, or undefined when it may be typed into: where
 * a worker loop runs, the text is read by the loop (or by the task it runs), and runs in the
 * shell only when the loop stops, long after and unseen.
 */
function loopReason(p: Pane, reg: ReturnType<typeof localWorkers>): string | undefined {
  const s = stateOf(reg.get(p.worker!));
  if (s.state === 'idle') return `a worker loop runs there (idle, pid ${s.pid})`;
  if (s.state === 'busy') return `a worker loop runs there (busy with task ${s.task.id}, pid ${s.pid})`;
  return undefined;
}

/**
 * Wait (up to `ms`) until a fresh pane has drawn something, i.e. its shell has started and
 * shown a prompt: keys typed earlier can be eaten by a start-up file that reads the terminal.
 */
async function untilDrawn(tmux: TmuxClient, paneId: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const out = await tmux.run(A.displayPane(paneId, '#{cursor_x}#{cursor_y}#{history_size}'));
    if (out.trim() !== '000' || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Type `text` and Enter into one live pane. */
async function typeLine(tmux: TmuxClient, p: Pane, text: string): Promise<SendOutcome> {
  if (p.dead) return { pane: p.paneId, worker: p.worker, delivered: false, reason: `pane ${p.paneId} is dead${p.deadStatus === undefined ? '' : ` (exit ${p.deadStatus})`}` };
  await untilDrawn(tmux, p.paneId);
  if (p.inMode) await tmux.run(A.cancelMode(p.paneId));
  if (text !== '') await tmux.run(A.sendLiteral(p.paneId, text));
  await tmux.run(A.sendKeys(p.paneId, 'Enter'));
  return { pane: p.paneId, worker: p.worker, delivered: true };
}

/** Parse `run-one`'s IDX: a worker number. */
export function parseWorkerIndex(raw: string): number {
  if (!/^\d+$/.test(String(raw).trim())) throw fail('usage', `IDX must be a worker number (0, 1, ...), got ${JSON.stringify(String(raw))}`);
  return Number(String(raw).trim());
}

/** Send to every worker pane; panes where a worker loop runs are skipped unless `force`. */
export async function runAll(ctx: SessionContext, text: string, opts: RunOptions = {}): Promise<SendOutcome[]> {
  const sid = await requireSession(ctx);
  const targets = workerPanes(await panes(ctx.tmux, sid));
  if (targets.length === 0) throw fail('not-found', `session "${ctx.cfg.session}" has no worker panes (run tmux-orc init)`);
  const reg = opts.force ? new Map() : localWorkers(await sessionRoot(ctx, sid, opts.root));
  const skip = new Map(targets.map((p) => [p, opts.force ? undefined : loopReason(p, reg)]));
  await Promise.all(targets.filter((p) => !p.dead && !skip.get(p)).map((p) => untilDrawn(ctx.tmux, p.paneId)));
  const out: SendOutcome[] = [];
  for (const p of targets) {
    const why = skip.get(p);
    out.push(why ? { pane: p.paneId, worker: p.worker, delivered: false, skipped: true, reason: why } : await typeLine(ctx.tmux, p, text));
  }
  return out;
}

/** Send to worker `n` only; refused (conflict) where a worker loop runs, unless `force`. */
export async function runOne(ctx: SessionContext, n: number, text: string, opts: RunOptions = {}): Promise<SendOutcome> {
  const sid = await requireSession(ctx);
  const all = workerPanes(await panes(ctx.tmux, sid));
  const p = all.find((x) => x.worker === n);
  if (!p) throw fail('not-found', all.length ? `no worker ${n}: workers are 0..${all.length - 1}` : `session "${ctx.cfg.session}" has no worker panes`);
  if (!opts.force) {
    const why = loopReason(p, localWorkers(await sessionRoot(ctx, sid, opts.root)));
    if (why) throw fail('conflict', `worker-${n}: ${why}; nothing typed (stop it first with tmux-orc tasks-stop --subset ${n}, or type anyway with --force)`);
  }
  return mustArrive(await typeLine(ctx.tmux, p, text));
}

/** Send to the first pane of the master window. */
export async function runMaster(ctx: SessionContext, text: string): Promise<SendOutcome> {
  const sid = await requireSession(ctx);
  const all = await panes(ctx.tmux, sid);
  const wid = windowWithRole(all, 'master');
  const p = all.find((x) => x.windowId === wid);
  if (!p) throw fail('not-found', `session "${ctx.cfg.session}" has no master window (run tmux-orc init)`);
  return mustArrive(await typeLine(ctx.tmux, p, text));
}

function mustArrive(o: SendOutcome): SendOutcome {
  if (!o.delivered) throw fail('undelivered', `${o.reason}; nothing sent`);
  return o;
}
