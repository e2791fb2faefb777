/**
 * `tasks-clean`: prune finished tasks (done/ and failed/) with their logs, by age or keeping the
 * newest N. Only finished files are touched, so it is safe while workers run.
 */
import fs from 'node:fs';
import { withFinishedLock } from './finished-lock.js';
import { logPath, nameInfo, readTask, taskPath, type Tree } from './tree.js';

export interface CleanOptions {
  /** Remove tasks finished more than this many hours ago. */
  hours?: number;
  /** Keep the newest N finished tasks of each of done/ and failed/. */
  keep?: number;
  dryRun?: boolean;
  now?: number;
}

export interface Cleaned {
  id: string;
  dir: 'done' | 'failed';
  finished: number;
}

/** Prune under the lock retry takes, so a task retried meanwhile keeps its logs. */
export function clean(t: Tree, o: CleanOptions): Promise<Cleaned[]> {
  return withFinishedLock(t, () => cleanLocked(t, o));
}

function cleanLocked(t: Tree, o: CleanOptions): Cleaned[] {
  const now = o.now ?? Date.now();
  const removed: Cleaned[] = [];
  let live: Set<string> | undefined; // IDs still queued or running (a retried task keeps its logs), read once
  for (const dir of ['done', 'failed'] as const) {
    const entries = fs.readdirSync(t.dir(dir)).map((name) => {
      const file = taskPath(t, dir, name);
      let finished = 0;
      try {
        finished = fs.lstatSync(file).mtimeMs; // the last append is the result record
      } catch {
        return undefined;
      }
      return { name, file, finished };
    }).filter((e): e is NonNullable<typeof e> => !!e);
    entries.sort((a, b) => b.finished - a.finished);
    const doomed = o.keep !== undefined ? entries.slice(o.keep) : entries.filter((e) => now - e.finished > (o.hours ?? 24) * 3_600_000);
    for (const e of doomed) {
      const r = readTask(e.file);
      const id = r?.ok ? r.task.id : (nameInfo(e.name).id ?? e.name);
      if (!o.dryRun) {
        if (!fs.lstatSync(e.file, { throwIfNoEntry: false })) continue; // moved on meanwhile
        fs.rmSync(e.file, { force: true });
        live ??= liveIds(t);
        // `.cap`: a capped log's copy that a killed launcher left behind (launcher.pl).
        if (!live.has(id)) {
          for (const s of ['out', 'err'] as const) for (const f of [logPath(t, id, s), `${logPath(t, id, s)}.cap`]) fs.rmSync(f, { force: true });
          fs.rmSync(logPath(t, id, 'hook'), { force: true });
        }
      }
      removed.push({ id, dir, finished: e.finished });
    }
  }
  return removed;
}

/** IDs in queue/ and running/: a retried task may be back under the same ID and keeps its logs. */
function liveIds(t: Tree): Set<string> {
  return new Set((['queue', 'running'] as const).flatMap((d) => fs.readdirSync(t.dir(d)).map((n) => nameInfo(n).id ?? n)));
}
