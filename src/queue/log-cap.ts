/**
 * Reading a capped task log (task_log_max, written by src/worker/launcher.pl): the head, one
 * marker line `[tmux-orc: N bytes dropped here; …]`, then the tail. The launcher keeps the head
 * at half the cap and replaces the file by one of at least five eighths of it (by rename: a
 * reader sees one whole file or the other), so the marker sits between half and four fifths of
 * the file's size: only that stretch is searched.
 */
import fs from 'node:fs';

const MARK = '[tmux-orc: ';
const LINE = /^\[tmux-orc: (\d+) bytes dropped here; the log keeps its first (\d+) bytes[^\n]*\n/;

export interface Cap {
  /** Where the head ends: the marker line starts here (with a newline of its own after a head cut mid-line). */
  head: number;
  /** Where the tail starts, right after the marker. */
  tail: number;
  /** Bytes of output dropped in all. */
  dropped: number;
}

/** The marker of a capped log open on `fd`, or undefined. */
export function findCap(fd: number, size = fs.fstatSync(fd).size): Cap | undefined {
  const from = Math.max(0, Math.floor(size / 2) - 2);
  const to = Math.min(size, Math.ceil((size * 4) / 5) + 512);
  if (to <= from) return undefined;
  const buf = Buffer.alloc(to - from);
  const n = fs.readSync(fd, buf, 0, buf.length, from);
  for (let i = buf.indexOf(MARK); i >= 0 && i < n; i = buf.indexOf(MARK, i + 1)) {
    const m = LINE.exec(buf.subarray(i, Math.min(n, i + 512)).toString('latin1'));
    const head = m ? Number(m[2]) : -1;
    if (!m || head > from + i || from + i - head > 1) continue;
    return { head, tail: from + i + m[0].length, dropped: Number(m[1]) };
  }
  return undefined;
}

/** The marker when it sits where a head of `head` bytes ends (one small read), or undefined. */
export function capAt(fd: number, head: number): Cap | undefined {
  const buf = Buffer.alloc(512);
  const n = fs.readSync(fd, buf, 0, buf.length, head);
  const text = buf.subarray(0, n).toString('latin1');
  const nl = text.startsWith('\n') ? 1 : 0;
  const m = LINE.exec(text.slice(nl));
  return m && Number(m[2]) === head ? { head, tail: head + nl + m[0].length, dropped: Number(m[1]) } : undefined;
}

/** The marker of the log at `file` (opened without following a symlink), or undefined. */
export function capOf(file: string): Cap | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return findCap(fd);
  } finally {
    fs.closeSync(fd);
  }
}
