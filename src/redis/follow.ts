/**
 * Following tasks on the Redis backend from any host: waiting for them to end (`--wait`,
 * `tasks-wait`) and tailing their output as the worker ships it (`tasks-tail [-f]`).
 */
import { StringDecoder } from 'node:string_decoder';
import { fail } from '../errors.js';
import { taskFromText } from '../queue/tree.js';
import { exitCodeOf, type Outcome, type WaitHooks } from '../queue/wait.js';
import { endLines, type TailOptions } from '../queue/tail.js';
import { formatAge } from '../time.js';
import type { Dir } from '../queue/lifecycle.js';
import type { Conn } from './queue.js';
import { followFrom, readLog, readNew } from './logs.js';

/** Where a task is, and its text (findTask, queue.ts). */
export type Locate = (id: string) => Promise<{ dir: Dir; text: string } | undefined>;

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Resolve once every task (with `any`, one) has ended, with their outcomes. */
export async function waitAll(locate: Locate, where: string, ids: string[], hooks: WaitHooks): Promise<Outcome[]> {
  const pending = new Set(ids);
  const ended = new Map<string, Outcome>();
  const states = new Map<string, Dir>();
  const deadline = hooks.timeoutMs === undefined ? Infinity : Date.now() + hooks.timeoutMs;
  let lastTick = 0;
  for (;;) {
    let running = 0;
    for (const id of [...pending]) {
      const f = await locate(id);
      if (!f) throw fail('not-found', `task ${id} disappeared from ${where} (removed by tasks-clean?)`);
      states.set(id, f.dir);
      if (f.dir === 'running') running++;
      if (f.dir !== 'done' && f.dir !== 'failed') continue;
      const o = outcome(id, f.dir, f.text);
      ended.set(id, o);
      pending.delete(id);
      hooks.onEnd?.(o);
    }
    if (pending.size === 0 || (hooks.any && ended.size > 0)) return ids.filter((id) => ended.has(id)).map((id) => ended.get(id)!);
    if (Date.now() >= deadline) {
      throw fail('timeout', `timed out after ${formatAge(hooks.timeoutMs!)}; not ended: ${[...pending].map((id) => `${id} (${states.get(id) === 'running' ? 'running' : 'queued'})`).join(', ')}`);
    }
    if (Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      hooks.onTick?.({ queued: pending.size - running, running });
    }
    await pause(Math.min(hooks.pollMs ?? 100, Math.max(0, deadline - Date.now())));
  }
}

/** Print a task's last lines; with `follow`, its output as it comes until it ends, and resolve with its outcome. */
export async function tailTask(k: Conn, locate: Locate, where: string, id: string, o: TailOptions): Promise<Outcome | undefined> {
  if (!(await locate(id))) throw fail('not-found', `no task ${id} in ${where}`);
  if (!o.follow) {
    o.write(endLines(await readLog(k, id, o.stream, 0), o.lines));
    return undefined;
  }
  const writeErr = o.writeErr ?? o.write;
  const first = { out: await followFrom(k, id, 'out'), err: await followFrom(k, id, 'err') };
  o.write(endLines(first.out.text, o.lines));
  writeErr(endLines(first.err.text, o.lines));
  // An append may end inside a character: each stream is decoded as one.
  const utf8 = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
  for (;;) {
    const f = await locate(id);
    if (!f) throw fail('not-found', `task ${id} disappeared from ${where}`);
    for (const s of ['out', 'err'] as const) {
      const more = utf8[s].write(await readNew(k, id, first[s].reader));
      if (more) (s === 'out' ? o.write : writeErr)(more);
    }
    if (f.dir === 'done' || f.dir === 'failed') return outcome(id, f.dir, f.text);
    o.onLook?.(f.dir === 'queue' ? 'queued' : undefined);
    await pause(o.pollMs ?? 200);
  }
}

function outcome(id: string, dir: 'done' | 'failed', text: string): Outcome {
  const r = taskFromText(text, id);
  const task = r.ok ? r.task : undefined;
  const durationMs = task?.started !== undefined && task.finished !== undefined ? task.finished - task.started : undefined;
  return { id, dir, status: task?.status ?? dir, reason: task?.reason ?? (r.ok ? undefined : r.reason), durationMs, code: exitCodeOf(dir, task) };
}
