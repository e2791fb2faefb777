/**
 * `init [N]`: the session, made once and then only adjusted.
 *
 * A new session starts with a throwaway bootstrap window because tmux reads `history-limit`
 * when a pane is created and `base-index` when a window is: both are set on the session first,
 * then the `master` and `workers` windows are made and the bootstrap window is dropped. Window
 * options go to each window by id (`-w -t @id`). On a running session `init M` only adds or
 * removes the highest-numbered worker panes, and refuses (changing nothing) when one of the
 * panes to remove is busy.
 */
import { ensureTree, tree } from '../queue/tree.js';
import { fail } from '../errors.js';
import * as A from '../tmux/argv.js';
import { SEP } from '../tmux/client.js';
import { findSession, type SessionContext } from './context.js';
import { panes, windowWithRole, workerPanes, type Pane } from './panes.js';
import { busyReason, localWorkers, stateOf } from './worker-state.js';
import { openPipe } from './logs.js';
import { stopWorkerAndWait } from './tasks.js';

/** Most worker panes one window holds in a usable size. */
const MAX_WORKERS = 64;
const BOOT = '_orc_boot';

export interface InitOptions {
  /** Wanted worker panes; undefined keeps the current number (or the default for a new session). */
  workers?: number;
  /** Resolved absolute TASK_ROOT, recorded in the session environment. */
  root: string;
  /** Start directory of new panes. */
  cwd: string;
  /** Told after each worker pane added: how many of how many (a status line). */
  onPane?: (done: number, total: number) => void;
}

export interface InitResult {
  created: boolean;
  session: string;
  workers: number;
  added: number[];
  removed: number[];
}

/** Parse the N of `init [N]`: a whole number 1..MAX_WORKERS. */
export function parseWorkerCount(raw: string | number): number {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_WORKERS) {
    throw fail('usage', `the number of workers must be a whole number from 1 to ${MAX_WORKERS}, got ${JSON.stringify(String(raw))}`);
  }
  return Number(text);
}

/** Create the session or bring it to `workers` worker panes. */
export async function init(ctx: SessionContext, opts: InitOptions): Promise<InitResult> {
  ensureTree(tree(opts.root));
  const existing = await findSession(ctx.tmux, ctx.cfg.session);
  const sid = existing ?? (await createSession(ctx, opts));
  const want = opts.workers ?? (existing ? undefined : ctx.cfg.workers);
  try {
    await ctx.tmux.run(A.setEnvironment(sid, 'TASK_ROOT', opts.root));
    await ensureWindow(ctx, sid, 'master', opts.cwd);
    await ensureWindow(ctx, sid, 'workers', opts.cwd);
    if (!existing) await dropBootWindow(ctx, sid);
    const { added, removed, workers } = await resize(ctx, sid, want, opts);
    return { created: !existing, session: ctx.cfg.session, workers, added, removed };
  } catch (err) {
    if (!existing) await ctx.tmux.run(A.killSession(sid)).catch(() => undefined);
    throw err;
  }
}

async function createSession(ctx: SessionContext, opts: InitOptions): Promise<string> {
  const { cfg, tmux } = ctx;
  const sid = (await tmux.run(A.newSession(cfg.session, BOOT, opts.cwd))).trim();
  try {
    await tmux.run(A.setSessionOption(sid, 'base-index', String(cfg.baseIndex)));
    await tmux.run(A.setSessionOption(sid, 'history-limit', String(cfg.historyLimit)));
  } catch (err) {
    await tmux.run(A.killSession(sid)).catch(() => undefined);
    throw err;
  }
  return sid;
}

/** Find the window with this role (or adopt one with the configured name), else make it. */
async function ensureWindow(ctx: SessionContext, sid: string, role: 'master' | 'workers', cwd: string): Promise<void> {
  const { cfg, tmux } = ctx;
  const all = await panes(tmux, sid);
  if (windowWithRole(all, role)) return;
  const name = role === 'master' ? cfg.masterWindow : cfg.workersWindow;
  const adopt = all.filter((p) => p.windowName === name && p.role === '');
  let wid: string;
  if (adopt.length > 0) wid = adopt[0].windowId;
  else wid = (await tmux.run(A.newWindow(sid, name, cwd))).trim().split(SEP)[0];
  await tmux.run(A.setWindowOption(wid, '@orc_role', role));
  await tmux.run(A.setWindowOption(wid, 'remain-on-exit', cfg.remainOnExit));
  await tmux.run(A.setWindowOption(wid, 'allow-rename', cfg.allowRename));
  await tmux.run(A.setWindowOption(wid, 'automatic-rename', 'off'));
  await tmux.run(A.setWindowOption(wid, 'pane-base-index', String(cfg.paneBaseIndex)));
  const inWindow = adopt.length > 0 ? adopt.filter((p) => p.windowId === wid) : (await panes(tmux, sid)).filter((p) => p.windowId === wid);
  if (role === 'master') {
    await tmux.run(A.selectPaneTitle(inWindow[0].paneId, 'master'));
    return;
  }
  for (const [n, p] of inWindow.entries()) await markWorker(ctx, p.paneId, n);
}

async function dropBootWindow(ctx: SessionContext, sid: string): Promise<void> {
  const boot = (await panes(ctx.tmux, sid)).find((p) => p.windowName === BOOT && p.role === '');
  if (boot) await ctx.tmux.run(A.killWindow(boot.windowId));
  await ctx.tmux.run(A.renumberWindows(sid));
}

async function markWorker(ctx: SessionContext, paneId: string, n: number): Promise<void> {
  await ctx.tmux.run(A.setPaneOption(paneId, '@orc_worker', String(n)));
  await ctx.tmux.run(A.selectPaneTitle(paneId, `worker-${n}`));
}

async function resize(ctx: SessionContext, sid: string, want: number | undefined, opts: InitOptions) {
  const all = await panes(ctx.tmux, sid);
  const current = workerPanes(all);
  const wid = windowWithRole(all, 'workers')!;
  const added: number[] = [];
  const removed: number[] = [];
  if (want === undefined || want === current.length) return { added, removed, workers: current.length };
  if (want > current.length) {
    // Split the last worker pane each time so the new pane lands after it (worker order is
    // pane order); re-tiling after each split keeps room for the next one.
    let last = current[current.length - 1].paneId;
    try {
      for (let n = current.length; n < want; n++) {
        const paneId = (await ctx.tmux.run(A.splitWindow(last, opts.cwd))).trim();
        last = paneId;
        await markWorker(ctx, paneId, n);
        added.push(n);
        await ctx.tmux.run(A.selectLayout(wid, ctx.cfg.layout));
        await openPipe(ctx, sid, paneId);
        opts.onPane?.(added.length, want - current.length);
      }
    } catch (err) {
      await removePanes(ctx, sid, added);
      throw err;
    }
  } else {
    const going = current.filter((p) => p.worker! >= want);
    await refuseBusy(going, opts.root);
    await removePanes(ctx, sid, going.map((p) => p.worker!), opts.root);
    removed.push(...going.map((p) => p.worker!));
    await ctx.tmux.run(A.selectLayout(wid, ctx.cfg.layout));
  }
  return { added, removed, workers: want };
}

async function refuseBusy(going: Pane[], root: string): Promise<void> {
  const reg = localWorkers(root);
  const reasons = going.map((p) => busyReason(p, stateOf(reg.get(p.worker!)))).filter(Boolean);
  if (reasons.length) throw fail('conflict', `cannot shrink: ${reasons.join('; ')} (stop it first: tmux-orc tasks-stop --subset ...)`);
}

/** Kill these worker panes, highest first; an idle worker in one is asked to exit first. */
async function removePanes(ctx: SessionContext, sid: string, numbers: number[], root?: string): Promise<void> {
  const byNumber = new Map(workerPanes(await panes(ctx.tmux, sid)).map((p) => [p.worker!, p]));
  const reg = root ? localWorkers(root) : new Map();
  for (const n of [...numbers].sort((a, b) => b - a)) {
    const p = byNumber.get(n);
    if (!p) continue;
    const w = reg.get(n);
    if (w?.alive && !(await stopWorkerAndWait(w.pid))) {
      // it claimed a task between our check and the stop: it drains now; its pane stays
      throw fail('conflict', `worker-${n} took a task meanwhile and is finishing it; its pane was kept (run init again later)`);
    }
    await ctx.tmux.run(A.killPane(p.paneId)).catch(() => undefined);
  }
}
