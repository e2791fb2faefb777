/**
 * A tiny per-directory mutex for the barrier's short critical sections (microseconds long).
 * The lock file is created with its owner already inside (write a temp file, then `link(2)`,
 * which fails with EEXIST while someone holds it). A lock whose owner died (same host: pid plus
 * start time) or that is older than STALE_MS (other hosts) is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { HOST, isAlive, processStart } from '../persist/proc.js';

const STALE_MS = 10_000;

/** Run `fn` holding `<dir>/lock`. */
export async function withLock<T>(dir: string, fn: () => T): Promise<T> {
  const lock = path.join(dir, 'lock');
  const me = `${HOST} ${process.pid} ${processStart(process.pid) ?? ''}`;
  const tmp = path.join(dir, `.lock.${process.pid}.${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(tmp, me);
  try {
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      try {
        fs.linkSync(tmp, lock);
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        breakIfStale(lock);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function breakIfStale(lock: string): void {
  let owner: string;
  let age: number;
  try {
    owner = fs.readFileSync(lock, 'utf8');
    age = Date.now() - fs.statSync(lock).mtimeMs;
  } catch {
    return; // released meanwhile
  }
  const [host, pid, start] = owner.split(' ');
  const dead = host === HOST ? !isAlive(Number(pid), start ?? '') : age > STALE_MS;
  if (!dead) return;
  try {
    if (fs.readFileSync(lock, 'utf8') === owner) fs.rmSync(lock, { force: true });
  } catch {
    // gone already
  }
}
