/**
 * Whether a task file is held: its claimer's launcher keeps a flock(2) on it from before the
 * claim until after the settle (launcher.pl). Node cannot take or test a flock, but the kernel
 * lists every lock in /proc/locks by device and inode, which is all a recoverer needs to know.
 * Locks held through a network filesystem by other hosts are not listed: across hosts the
 * launcher's lease (the file's mtime, which it renews) decides.
 */
import fs from 'node:fs';

/** What is locked now. */
export interface Held {
  has(st: { dev: number; ino: number }): boolean;
}

const major = (dev: bigint) => ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
const minor = (dev: bigint) => (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
const hex = (n: bigint) => n.toString(16).padStart(2, '0');

/** The `MAJOR:MINOR:INODE` /proc/locks writes for a file, in its own notation (hex device numbers). */
export function lockKey(st: { dev: number; ino: number }): string {
  const dev = BigInt(st.dev);
  return `${hex(major(dev))}:${hex(minor(dev))}:${st.ino}`;
}

/**
 * What /proc/locks says is locked (`text`: its contents, null when unreadable; read now when not given). Waiters, the
 * `->` lines, hold nothing and are skipped. Two cases are taken the safe way, as "held": when
 * /proc/locks cannot be read (hidepid, no procfs), everything is, so recovery waits rather than
 * risk a second run; and on a filesystem with anonymous device numbers (major 0: btrfs, overlayfs,
 * tmpfs), whose stat(2) device can differ from the one /proc/locks shows (a btrfs subvolume), a
 * lock on the same inode number on any such device counts.
 */
export function heldLocks(text: string | null = readLocks()): Held {
  if (text === null) return { has: () => true };
  const keys = new Set<string>();
  const anonymous = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] === '->') continue;
    keys.add(f[5]);
    const [maj, , ino] = f[5].split(':');
    if (/^0+$/.test(maj)) anonymous.add(ino);
  }
  return { has: (st) => keys.has(lockKey(st)) || (major(BigInt(st.dev)) === 0n && anonymous.has(String(st.ino))) };
}

function readLocks(): string | null {
  try {
    return fs.readFileSync('/proc/locks', 'utf8');
  } catch {
    return null;
  }
}

/** Who holds a lock on one file, and how many wait for it (`tmux-orc locks`, issue 18). */
export interface FileLocks {
  held: Array<{ pid: number; shared: boolean }>;
  waiting: number;
}

/**
 * The holders of each locked file in /proc/locks (`text`, read now when not given; unreadable:
 * none), looked up by a file's stat as heldLocks does (an anonymous device matches by inode).
 */
export function lockHolders(text: string | null = readLocks()): (st: { dev: number; ino: number }) => FileLocks {
  const byKey = new Map<string, FileLocks>();
  const byAnonIno = new Map<string, FileLocks>();
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const waiter = f[1] === '->';
    if (waiter) f.splice(1, 1);
    if (f.length < 6) continue;
    const key = f[5];
    const entry = byKey.get(key) ?? { held: [], waiting: 0 };
    byKey.set(key, entry);
    const [maj, , ino] = key.split(':');
    if (/^0+$/.test(maj)) byAnonIno.set(ino, entry);
    if (waiter) entry.waiting++;
    else entry.held.push({ pid: Number(f[4]), shared: f[3] === 'READ' });
  }
  const none: FileLocks = { held: [], waiting: 0 };
  return (st) => byKey.get(lockKey(st)) ?? (major(BigInt(st.dev)) === 0n ? byAnonIno.get(String(st.ino)) : undefined) ?? none;
}
