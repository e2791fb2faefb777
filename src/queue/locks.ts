/**
 * Whether a task file is held: its claimer's launcher keeps a flock(2) on it from before the
 * claim until after the settle (launcher.pl). Node cannot take or test a flock, but the kernel
 * lists every lock in /proc/locks by device and inode, which is all a recoverer needs to know.
 * Locks held through a network filesystem by other hosts are not listed: across hosts the
 * launcher's lease (the file's mtime, which it renews) decides.
 */
import fs from 'node:fs';

/** The `MAJOR:MINOR:INODE` /proc/locks writes for a file, in its own notation (hex device numbers). */
export function lockKey(st: { dev: number; ino: number }): string {
  const dev = BigInt(st.dev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const hex = (n: bigint) => n.toString(16).padStart(2, '0');
  return `${hex(major)}:${hex(minor)}:${st.ino}`;
}

/** The keys of every file locked now (waiters, the `->` lines, hold nothing and are skipped). */
export function heldKeys(): Set<string> {
  const held = new Set<string>();
  let text: string;
  try {
    text = fs.readFileSync('/proc/locks', 'utf8');
  } catch {
    return held;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] === '->') continue;
    held.add(f[5]);
  }
  return held;
}

/** Whether `file` is held now (undefined when it is gone). */
export function isHeld(file: string, held = heldKeys()): boolean | undefined {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  return st && held.has(lockKey(st));
}
