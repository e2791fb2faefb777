/** The local spools of Redis workers: a private tree each, under the system's temp directory. */
import fs from 'node:fs';
import path from 'node:path';

/**
 * The spools of this queue's workers on this host that died without closing (SIGKILL, a crash):
 * removed, with the task and logs they held, when the next worker starts (the job went back to
 * the queue as a stalled job; nothing here is wanted).
 */
export function removeDeadSpools(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^[1-9]\d*$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}
