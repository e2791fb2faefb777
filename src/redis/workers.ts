/**
 * The Redis backend's worker registry: one field per worker, `<host>.<id>`, in a hash, with its
 * heartbeat. A worker is alive while its heartbeat is younger than the lease; what it runs is
 * read from the running jobs (their WORKER and HOST records).
 */
import { HOST } from '../persist/proc.js';
import { fail } from '../errors.js';
import { leaseMs } from '../queue/workers.js';
import type { WorkerInfo } from '../queue/workers.js';
import { BULL_STATES, taskOf, type Conn } from './queue.js';

interface Entry {
  id: string;
  host: string;
  pid: number;
  started: number;
  heartbeat: number;
}

/** This host's name as workers record it: TMUX_ORC_HOST (simulated hosts in tests), else the system's. */
export const hostName = (env: NodeJS.ProcessEnv = process.env): string => env.TMUX_ORC_HOST || HOST;

export async function register(k: Conn, id: string | undefined): Promise<{ id: string; heartbeat: () => void; unregister: () => void }> {
  const host = hostName();
  const now = Date.now();
  const all = await entries(k);
  const alive = (e: Entry) => now - e.heartbeat < leaseMs();
  let wid = id;
  if (wid === undefined) {
    const taken = new Set(all.filter((e) => e.host === host && alive(e)).map((e) => e.id));
    let n = 0;
    while (taken.has(String(n))) n++;
    wid = String(n);
  } else {
    const other = all.find((e) => e.host === host && e.id === wid && alive(e) && e.pid !== process.pid);
    if (other) throw fail('conflict', `worker ${wid} is already running on ${host} (pid ${other.pid})`);
  }
  const field = `${host}.${wid}`;
  const entry = (): string => JSON.stringify({ id: wid, host, pid: process.pid, started: now, heartbeat: Date.now() } satisfies Entry);
  await k.client.hset(k.key('workers'), field, entry());
  return {
    id: wid,
    heartbeat: () => void k.client.hset(k.key('workers'), field, entry()).catch(() => {}),
    unregister: () => void k.client.hdel(k.key('workers'), field).catch(() => {}),
  };
}

async function entries(k: Conn): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const v of Object.values(await k.client.hgetall(k.key('workers')))) {
    try {
      out.push(JSON.parse(v) as Entry);
    } catch {
      // a damaged entry tells nothing about anyone
    }
  }
  return out;
}

export async function listWorkers(k: Conn): Promise<WorkerInfo[]> {
  const now = Date.now();
  const running = new Map<string, WorkerInfo['task']>();
  for (const job of await k.getJobs(BULL_STATES.running)) {
    const t = job && taskOf(job);
    if (t?.owner) running.set(`${t.owner.host}.${t.owner.worker}`, { id: t.id, started: t.owner.started, cmd: t.cmd, attempt: t.attempt });
  }
  return (await entries(k))
    .map((e) => ({ id: e.id, host: e.host, pid: e.pid, started: e.started, heartbeat: e.heartbeat, alive: now - e.heartbeat < leaseMs(), task: running.get(`${e.host}.${e.id}`) }))
    .sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id, undefined, { numeric: true }));
}
