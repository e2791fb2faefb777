/**
 * The tree's side of agent work queues: finding agent tasks (AGENT=<name>) in queue/ and
 * running/, settling a held one fenced by its claim token, and its log (logs/<ID>.out holds what
 * was delivered and what the agent reported, so tasks-tail shows an agent turn like a run).
 *
 * Settles take the recovery lock: the holder (agent-holder.pl) keeps the file held while the
 * agent lives, but if the agent dies at that moment a recoverer could judge the file abandoned;
 * under the same lock the two can never both act on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../persist/lock.js';
import { isAlive } from '../persist/proc.js';
import { fail, isErrno } from '../errors.js';
import { agentOf } from './agent-lifecycle.js';
import { clearCancel } from './cancel-marker.js';
import { holderFor } from './holder.js';
import type { Dir, Move } from './lifecycle.js';
import { settle } from './transitions.js';
import { dirNames, listNames, logPath, nameInfo, readTaskText, taskFromText, taskPath, type Tree } from './tree.js';
import type { Task } from './task.js';

/** An agent task as it is in the tree now. */
export interface AgentTaskFile {
  name: string;
  dir: 'queue' | 'running';
  agent: string;
  task: Task;
  text: string;
}

/**
 * Which files are agent tasks, remembered by name: AGENT is a spec key, written once, so a name
 * is read once while it stays in its directory (a long shell queue costs one read per file).
 */
export class AgentTaskIndex {
  private known: Record<'queue' | 'running', Map<string, string | null>> = { queue: new Map(), running: new Map() };
  private listed: Partial<Record<'queue' | 'running', { key: string; at: number; names: string[] }>> = {};

  constructor(private t: Tree) {}

  /** The agent tasks of one directory, in dispatch order, read now (`fresh`: the directory too). */
  list(dir: 'queue' | 'running', fresh = false): AgentTaskFile[] {
    if (fresh) delete this.listed[dir];
    const names = this.names(dir);
    const known = this.known[dir];
    if (known.size > names.length) {
      const seen = new Set(names);
      for (const k of known.keys()) if (!seen.has(k)) known.delete(k);
    }
    const out: AgentTaskFile[] = [];
    for (const name of names) {
      if (known.get(name) === null) continue;
      const f = readAgentTask(this.t, dir, name);
      if (f === null) known.set(name, null);
      else if (f) known.set(name, f.agent);
      if (f) out.push(f);
    }
    return out;
  }

  /**
   * The directory's names, listed again only when it changed (its mtime and ctime, which every
   * rename in or out sets) or a second has passed (a filesystem with coarse times): a dispatcher
   * beside a long shell queue does not sort it four times a second.
   */
  private names(dir: 'queue' | 'running'): string[] {
    const st = fs.statSync(this.t.dir(dir), { bigint: true });
    const key = `${st.mtimeNs}:${st.ctimeNs}`;
    const prev = this.listed[dir];
    if (prev && prev.key === key && Date.now() - prev.at < 1000) return prev.names;
    const names = listNames(this.t, dir);
    this.listed[dir] = { key, at: Date.now(), names };
    return names;
  }
}

/** The agent task in `dir/name`; null when it is a valid task of no agent; undefined when gone or invalid. */
export function readAgentTask(t: Tree, dir: 'queue' | 'running', name: string): AgentTaskFile | null | undefined {
  const text = readTaskText(taskPath(t, dir, name));
  if (typeof text !== 'string') return text === undefined ? undefined : null;
  const r = taskFromText(text, name);
  if (!r.ok) return null;
  const agent = agentOf(r.task);
  return agent === undefined ? null : { name, dir, agent, task: r.task, text };
}

/** Where an agent task is, by ID: its state and, while queued or running, its file. */
export function findAgentTask(t: Tree, id: string): { dir: Dir; name: string; task?: Task; agent?: string } | undefined {
  for (const dir of ['running', 'queue', 'done', 'failed'] as const) {
    const name = dirNames(t.dir(dir)).find((n) => (nameInfo(n).id ?? n) === id);
    if (name === undefined) continue;
    const text = readTaskText(taskPath(t, dir, name));
    const r = typeof text === 'string' ? taskFromText(text, name) : undefined;
    return { dir, name, task: r?.ok ? r.task : undefined, agent: r?.ok ? agentOf(r.task) : undefined };
  }
  return undefined;
}

/** How settling a held agent task went. */
export type AgentSettled = { kind: 'moved'; to: Dir; task: Task } | { kind: 'lost'; why: string };

/**
 * Carry out `move` on the running agent task `name`, only while it is still held under `token`
 * (fencing: a late report for an earlier run touches nothing). Then its holder is let go.
 */
export async function settleAgentTask(t: Tree, name: string, token: string, move: Move, log?: string): Promise<AgentSettled> {
  return withLock(path.join(t.root, 'recover.lock'), () => {
    const file = taskPath(t, 'running', name);
    const text = readTaskText(file);
    const r = typeof text === 'string' ? taskFromText(text, name) : undefined;
    if (!r?.ok) return { kind: 'lost', why: `${nameInfo(name).id ?? name} is no longer running` } as const;
    if (r.task.owner?.claim !== token) return { kind: 'lost', why: `${r.task.id} is held by another run now` } as const;
    if (log !== undefined && move.to !== 'running') appendLog(t, r.task.id, log);
    const out = settle(t, 'running', name, r.task, text as string, move);
    if (out !== 'moved') return { kind: 'lost', why: out === 'gone' ? `${r.task.id} left running/` : `${move.to}/ already holds ${name}` } as const;
    if (move.to !== 'running') {
      clearCancel(t, r.task.id, token);
      letGo(r.task);
    }
    return { kind: 'moved', to: move.to, task: r.task } as const;
  }, { staleMs: 10_000, waitMs: 15_000 });
}

/** End the holder of a task that has moved on (it would notice by itself within a moment). */
export function letGo(task: Task): void {
  const o = task.owner;
  if (o && o.worker.startsWith('agent:') && isAlive(o.pid, o.pidStart)) {
    try {
      process.kill(o.pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Fail a queued agent task that can never be delivered (a dependency failed), claimed first as
 * a worker claims, so nobody else acts on it meanwhile.
 */
export async function failQueued(t: Tree, name: string, move: Move): Promise<boolean> {
  const holder = holderFor();
  try {
    const reply = await holder.claim(taskPath(t, 'queue', name), taskPath(t, 'running', name));
    if (reply.kind !== 'claimed') return false;
    const text = readTaskText(taskPath(t, 'running', name));
    const r = typeof text === 'string' ? taskFromText(text, name) : undefined;
    if (!r?.ok) throw fail('failed', `${name} became unreadable while held`);
    return settle(t, 'running', name, r.task, text as string, move) === 'moved';
  } finally {
    holder.close();
  }
}

/** Append a line to the task's output log (created 0600, never through a symlink). */
export function appendLog(t: Tree, id: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(logPath(t, id, 'out'), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if (isErrno(err, 'ELOOP', 'ENOENT')) return; // a planted link, or no logs/: the log is a convenience
    throw err;
  }
  try {
    fs.writeSync(fd, text.endsWith('\n') ? text : `${text}\n`);
  } finally {
    fs.closeSync(fd);
  }
}
