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

/** One pane a command was sent to (or could not be). */
export interface SendOutcome {
  pane: string;
  worker?: number;
  delivered: boolean;
  reason?: string;
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

/** Send to every worker pane. */
export async function runAll(ctx: SessionContext, text: string): Promise<SendOutcome[]> {
  const sid = await requireSession(ctx);
  const targets = workerPanes(await panes(ctx.tmux, sid));
  if (targets.length === 0) throw fail('not-found', `session "${ctx.cfg.session}" has no worker panes (run tmux-orc init)`);
  await Promise.all(targets.filter((p) => !p.dead).map((p) => untilDrawn(ctx.tmux, p.paneId)));
  const out: SendOutcome[] = [];
  for (const p of targets) out.push(await typeLine(ctx.tmux, p, text));
  return out;
}

/** Send to worker `n` only. */
export async function runOne(ctx: SessionContext, n: number, text: string): Promise<SendOutcome> {
  const sid = await requireSession(ctx);
  const all = workerPanes(await panes(ctx.tmux, sid));
  const p = all.find((x) => x.worker === n);
  if (!p) throw fail('not-found', all.length ? `no worker ${n}: workers are 0..${all.length - 1}` : `session "${ctx.cfg.session}" has no worker panes`);
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
