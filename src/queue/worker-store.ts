/**
 * The tree's side of a worker (the store seam, src/store/worker-store.ts): its view of queue/,
 * claims through the launcher's lock, fenced settles, recovery, the trust check and wake-ups.
 */
import fs from 'node:fs';
import { encode } from '../persist/codec.js';
import { HOST, processStart } from '../persist/proc.js';
import { fail } from '../errors.js';
import { iso } from '../time.js';
import { notDue, rejected, type Move } from './lifecycle.js';
import { cancelMarker, clearCancel } from './cancel-marker.js';
import { recoverStale, sweepTmp } from './recover.js';
import { moveUnchanged, quarantine, settle } from './transitions.js';
import { ensureTree, logPath, readTaskText, taskFromText, taskPath, tree } from './tree.js';
import { checkSafe, rootIdentity } from './trust.js';
import { pausedNow, pausedNowFor } from './pause.js';
import { afterSettle } from './settled.js';
import { freeWorkerId, register } from './workers.js';
import { gatesOf, QueueView, type Choice } from '../worker/queue-view.js';
import { slotNeed } from './groups.js';
import { lockNeed } from './named-locks.js';
import { watchQueue, type Waker } from '../worker/wake.js';
import type { Holder } from '../worker/launcher.js';
import type { Claim, Next, Settled, Taken, WorkerStore } from '../store/worker-store.js';

export interface TreeWorkerOptions {
  root: string;
  /** Claim only tasks with this LABEL. */
  label?: string;
  /** Takes and holds claims (the worker's launcher). */
  holder: Holder;
  /** No watcher: rescans only (network filesystems). */
  poll?: boolean;
  /** How often queue/ is read again, busy or idle. */
  rescanMs: number;
}

/** What a claim saw of its file: its inode (the fence) and its text. */
interface Held {
  ino: number;
  text: string;
  /** The group slot and named lock it holds (issue 18), as view gate keys: given back at the settle. */
  gates: string[];
}

/** The tree's verbs are synchronous where the seam allows a promise (a backend's need not be). */
export interface TreeWorkerStore extends WorkerStore {
  next(now: number, refresh: boolean): Next;
  settle(claim: Claim, move: Move): Settled;
  reread(claim: Claim): Claim['task'] | undefined;
  cancelRequested(claim: Claim): boolean;
  giveBack(claim: Claim): void;
  /** Register worker `id` (default: the lowest free number here); returns its heartbeat and its removal. */
  register(id?: string): { id: string; heartbeat: () => void; unregister: () => void };
}

export function treeWorkerStore(o: TreeWorkerOptions): TreeWorkerStore {
  const t = tree(o.root);
  ensureTree(t);
  const view = new QueueView(t, o.label);
  const waker: Waker = watchQueue(t.dir('queue'), view, !!o.poll);
  const held = new WeakMap<Claim, Held>();
  const pending = new Map<string, Exclude<Choice, { kind: 'idle' }>>();
  let identity: string | undefined;
  let swept = false;

  const check = () => {
    checkSafe(t);
    sameRoot();
    if (!swept) swept = (sweepTmp(t), true);
  };
  // Cheap enough for every claim: a tree swapped under us (a parent renamed) is noticed at once.
  const sameRoot = () => {
    const now = rootIdentity(t);
    if (identity !== undefined && now !== identity) throw fail('unsafe-tree', `refusing ${t.root}: the tree was replaced while the worker ran (someone renamed it or a directory above it)`);
    identity = now;
  };

  const next = (now: number, refresh: boolean): Next => {
    if (refresh || view.stale(now, o.rescanMs)) view.rescan();
    view.paused = pausedNow(t);
    let pick = view.next(now);
    // Idle: listen, and read the directory for what arrived while the worker was not listening.
    if (pick.kind === 'idle' && waker.listen()) {
      view.rescan();
      pick = view.next(now);
    }
    if (pick.kind === 'idle') return pick;
    pending.set(pick.name, pick);
    return { kind: 'task', name: pick.name };
  };

  const take = async (name: string, token: string, now: number): Promise<Taken> => {
    const pick = pending.get(name);
    pending.delete(name);
    waker.pause();
    view.drop(name);
    sameRoot();
    // Groups and named locks (issue 18): the launcher takes them with the claim, or leaves the task queued.
    const gates = (pick?.kind === 'run' && pick.gates) || [];
    const needs = gates.map((g) => (g.startsWith('group:') ? slotNeed(t, g.slice(6)) : lockNeed(t, g.slice(5))));
    const reply = await o.holder.claim(taskPath(t, 'queue', name), taskPath(t, 'running', name), needs);
    if (reply.kind === 'waiting') {
      view.add(name);
      view.block(gates[reply.need], now);
      return { kind: 'skipped' };
    }
    if (reply.kind === 'gone' || reply.kind === 'busy') return { kind: 'skipped' };
    if (reply.kind === 'bad') {
      const out = quarantine(t, name);
      return { kind: 'skipped', note: out === 'moved' ? `quarantined ${name}: ${reply.reason} → failed (not run)` : undefined };
    }
    if (reply.kind === 'error') {
      if (!fs.existsSync(t.dir('running'))) throw fail('failed', `task tree damaged: ${t.dir('running')} is missing (run tmux-orc tasks-init --root ${t.root})`);
      return { kind: 'skipped', note: `could not claim ${name}: ${reply.reason}` };
    }
    const file = taskPath(t, 'running', name);
    const ino = fs.lstatSync(file).ino;
    const text = readTaskText(file);
    const r = text === undefined ? undefined : taskFromText(text, name);
    const done = (note: string): Taken => (o.holder.release(), { kind: 'skipped', note });
    if (!r || !r.ok || typeof text !== 'string') {
      moveUnchanged(t, 'running', name, rejected().to);
      return done(`rejected ${name}: ${r && !r.ok ? r.reason : 'unreadable'} → failed`);
    }
    if (pick?.kind === 'doomed') {
      if (settle(t, 'running', name, r.task, text, pick.move) === 'moved') afterSettle(t, r.task, 'failed', name);
      view.finished(r.task.id, 'failed');
      return done(`failed ${r.task.id}: ${pick.move.append.find(([k]) => k === 'REASON')?.[1]}`);
    }
    // Read after the rename, so a pause written before it is seen (pause.ts); a label changed by
    // tasks-edit is seen here too, whatever the view had cached; and the group or lock the claim
    // took must still be the task's.
    if (r.task.due > now || pausedNowFor(t, r.task.group) || (o.label !== undefined && r.task.label !== o.label) || (gatesOf(r.task) ?? []).join() !== gates.join()) {
      // The view was out of date (the file was requeued with a later DUE, edited, paused, or its
      // group or lock changed, so the claim took the wrong ones): put it back.
      moveUnchanged(t, 'running', name, notDue().to);
      view.add(name);
      o.holder.release();
      return { kind: 'skipped' };
    }
    const claim: Claim = { name, task: r.task, token };
    for (const g of gates) view.unblock(g);
    held.set(claim, { ino, text, gates });
    return { kind: 'claimed', claim };
  };

  const reread = (claim: Claim): { task: Claim['task']; text: string } | undefined => {
    const h = held.get(claim);
    const file = taskPath(t, 'running', claim.name);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!h || !st || st.ino !== h.ino) return undefined;
    const text = readTaskText(file);
    const r = typeof text === 'string' ? taskFromText(text, claim.name) : undefined;
    // Its token, or no record at all yet (the launcher refused to start it before writing one).
    const token = r?.ok ? r.task.owner?.claim : undefined;
    if (!r?.ok || (token !== undefined && token !== claim.token)) return undefined;
    return { task: r.task, text: text as string };
  };

  const settleClaim = (claim: Claim, m: Move): Settled => {
    const now = reread(claim);
    if (!now) return { kind: 'lost', why: `${claim.task.id} is no longer held under this claim` };
    const out = settle(t, 'running', claim.name, now.task, now.text, m);
    if (out === 'gone') return { kind: 'lost', why: `${claim.task.id} left running/` };
    if (out === 'exists') return { kind: 'lost', why: `${m.to}/ already holds ${claim.name}; left it in running/` };
    let hooks: Promise<string[]> | undefined;
    if (m.to === 'queue') view.add(claim.name);
    else {
      view.finished(claim.task.id, m.to as 'done' | 'failed');
      hooks = afterSettle(t, now.task, m.to, claim.name);
    }
    clearCancel(t, claim.task.id, claim.token);
    // A group slot or named lock is given back now, not at the next claim: an idle worker must not keep it.
    const gates = held.get(claim)?.gates ?? [];
    if (gates.length && m.to !== 'queue') o.holder.release();
    for (const g of gates) view.unblock(g);
    // Back in queue/ the same file can be claimed again: our lock must not make it look held.
    // (A file in done/ or failed/ is never judged; it is released at the next claim.)
    if (m.to === 'queue') o.holder.release();
    return { kind: 'moved', to: m.to, hooks };
  };

  return {
    where: t.root,
    check,
    recover: async () => (await recoverStale(t)).map((r) => ({ id: r.id, why: r.why, to: r.to })),
    next,
    take,
    startRecord: (claim, worker, now) => {
      const text = held.get(claim)?.text ?? '\n';
      const fields = encode([['ATTEMPT', String(claim.task.attempt)], ['WORKER', worker], ['HOST', HOST], ['WORKER_PID', String(process.pid)],
        ['WORKER_START', selfStart()], ['CLAIM', claim.token], ['STARTED', iso(now)]]);
      return text.endsWith('\n') ? fields : `\n${fields}`;
    },
    logs: (id) => ({ out: logPath(t, id, 'out'), err: logPath(t, id, 'err') }),
    file: (claim) => taskPath(t, 'running', claim.name),
    cancelRequested: (claim) => cancelMarker(t, claim.task.id) === claim.token,
    reread: (claim) => reread(claim)?.task,
    settle: settleClaim,
    giveBack: (claim) => {
      moveUnchanged(t, 'running', claim.name, 'queue');
      view.add(claim.name);
      o.holder.release();
    },
    wait: async (ms) => void (await waker.wait(ms)),
    pause: () => waker.pause(),
    poke: () => waker.poke(),
    close: () => waker.close(),
    register: (id) => {
      const wid = id ?? freeWorkerId(t);
      return { id: wid, ...register(t, wid) };
    },
  };
}

let ownStart: string | undefined;
/** This process's start time: with the pid, what names this worker. Read once. */
const selfStart = () => (ownStart ??= processStart(process.pid) ?? '');

