/**
 * The worker registry: `workers/<host>.<id>`, one key=value file per live worker, its mtime the
 * heartbeat. It tells `tasks-health` and `status` who is alive, and lets workers on other hosts
 * sharing the tree judge each other by lease instead of by pid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decode, encode, last } from '../persist/codec.js';
import { HOST, isAlive, processStart } from '../persist/proc.js';
import { listNames, readTask, taskPath, type Tree } from './tree.js';
import { writeAtomic } from '../persist/atomic.js';
import { fail, isErrno } from '../errors.js';
import { iso } from '../time.js';

/** A worker (or a task's launcher) on another host is presumed dead when its lease is older than this. */
export const LEASE_MS = 60_000;

/** The lease in force: TMUX_ORC_LEASE_MS, for tests and for networks slower than the default allows. */
export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.TMUX_ORC_LEASE_MS);
  return Number.isFinite(v) && v >= 1000 ? v : LEASE_MS;
}
export const HEARTBEAT_MS = 5_000;

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  started: number;
  /** Last heartbeat, epoch ms. */
  heartbeat: number;
  alive: boolean;
  /** What it runs now, from running/. */
  task?: { id: string; started: number; cmd: string; attempt: number };
}

const fileFor = (t: Tree, id: string, host = HOST) => path.join(t.dir('workers'), `${host}.${id}`);

/** True when the registry entry's process is alive (same host: pid + start time; else lease). */
function entryAlive(host: string, pid: number, pidStart: string, heartbeat: number, now: number): boolean {
  return host === HOST ? isAlive(pid, pidStart) : now - heartbeat < leaseMs();
}

/** Register this process as worker `id`; refuses when a live worker already holds that id here. */
export function register(t: Tree, id: string): { heartbeat: () => void; unregister: () => void } {
  const file = fileFor(t, id);
  const existing = readEntry(file);
  if (existing && existing.alive && existing.pid !== process.pid) {
    throw fail('conflict', `worker ${id} is already running on ${HOST} (pid ${existing.pid})`);
  }
  const pidStart = processStart(process.pid) ?? '';
  const entry = encode([['ID', id], ['HOST', HOST], ['PID', String(process.pid)], ['PID_START', pidStart], ['STARTED', iso(Date.now())]]);
  // The entry only tells others who is alive: a worker on a full disk works without one, and
  // writes it with a later heartbeat, once there is space.
  let written = false;
  const write = () => {
    try {
      writeAtomic(t.dir('tmp'), file, entry);
      written = true;
    } catch (err) {
      if (!isErrno(err, 'ENOSPC', 'EDQUOT')) throw err;
    }
  };
  write();
  return {
    heartbeat: () => {
      if (!written) {
        try {
          write();
        } catch {
          // the tree is failing: the worker's own checks say so
        }
        return;
      }
      const now = new Date();
      try {
        fs.utimesSync(file, now, now);
      } catch {
        // removed by hand: it is written again at the next heartbeat
        written = false;
      }
    },
    unregister: () => fs.rmSync(file, { force: true }),
  };
}

/** The lowest free worker number on this host (for `worker` without --id). */
export function freeWorkerId(t: Tree): string {
  for (let n = 0; ; n++) {
    const e = readEntry(fileFor(t, String(n)));
    if (!e || !e.alive) return String(n);
  }
}

function readEntry(file: string, now = Date.now()): WorkerInfo | undefined {
  try {
    const fields = decode(fs.readFileSync(file, 'utf8'));
    const heartbeat = fs.statSync(file).mtimeMs;
    const host = last(fields, 'HOST') ?? '';
    const pid = Number(last(fields, 'PID'));
    return {
      id: last(fields, 'ID') ?? path.basename(file),
      host,
      pid,
      started: Date.parse(last(fields, 'STARTED') ?? '') || 0,
      heartbeat,
      alive: entryAlive(host, pid, last(fields, 'PID_START') ?? '', heartbeat, now),
    };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    return undefined;
  }
}

/** Every registered worker, alive or not, with the task each one runs now. */
export function listWorkers(t: Tree): WorkerInfo[] {
  let files: string[] = [];
  try {
    files = fs.readdirSync(t.dir('workers'));
  } catch {
    return [];
  }
  const workers = files.map((f) => readEntry(path.join(t.dir('workers'), f))).filter((w): w is WorkerInfo => !!w);
  for (const name of listNames(t, 'running')) {
    const r = readTask(taskPath(t, 'running', name));
    const owner = r?.ok ? r.task.owner : undefined;
    if (!r?.ok || !owner) continue;
    const w = workers.find((x) => x.id === owner.worker && x.host === owner.host && x.pid === owner.pid);
    if (w) w.task = { id: r.task.id, started: owner.started, cmd: r.task.cmd, attempt: r.task.attempt };
  }
  return workers.sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id, undefined, { numeric: true }));
}

