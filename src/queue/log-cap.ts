/**
 * Reading a capped task log (task_log_max, written by src/worker/launcher.pl): the head, one
 * marker line `[tmux-orc: N bytes dropped here; …]`, then the tail. The launcher keeps the head
 * at half the cap and replaces the file by a copy (by rename: a reader sees one whole file or
 * the other).
 */
import fs from 'node:fs';
import { sizeFromEnv, TASK_LOG_MAX_DEFAULT } from '../config/size.js';

const MARK = '[tmux-orc: ';
/** The launcher reads a task's output 64 KiB at a time: a log outgrows its cap by less than that before it is cut. */
const WRITE_MAX = 65536;

/** Where the marker of a capped log is expected: half of task_log_max, as this process reads it. */
export const HINT = (() => {
  try {
    return Math.floor(sizeFromEnv(process.env, 'TMUX_ORC_TASK_LOG_MAX', TASK_LOG_MAX_DEFAULT) / 2);
  } catch {
    return TASK_LOG_MAX_DEFAULT / 2;
  }
})();

const LINE = /^\[tmux-orc: (\d+) bytes dropped here; the log keeps its first (\d+) bytes[^\n]*\n/;

export interface Cap {
  /** Where the head ends: the marker line starts here (with a newline of its own after a head cut mid-line). */
  head: number;
  /** Where the tail starts, right after the marker. */
  tail: number;
  /** Bytes of output dropped in all. */
  dropped: number;
}

/**
 * The marker of a capped log open on `fd`, or undefined: looked for first where this process's
 * own task_log_max puts it (one small read), then searched for. A log is capped right after the
 * write that took it past the cap, so until the copy replaces it the file is larger than the cap
 * by up to one write (64 KiB): the head ends no earlier than half of (size - 64 KiB).
 */
export function findCap(fd: number, size = fs.fstatSync(fd).size): Cap | undefined {
  const hinted = size > HINT ? capAt(fd, HINT) : undefined;
  if (hinted) return hinted;
  const chunk = 1 << 20;
  for (let from = Math.max(0, Math.floor((size - WRITE_MAX) / 2) - 2); from < size; from += chunk) {
    const buf = Buffer.alloc(Math.min(chunk + 512, size - from)); // overlapping: a marker across two chunks is seen whole
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    for (let i = buf.indexOf(MARK); i >= 0 && i < Math.min(n, chunk); i = buf.indexOf(MARK, i + 1)) {
      const m = LINE.exec(buf.subarray(i, Math.min(n, i + 512)).toString('latin1'));
      const head = m ? Number(m[2]) : -1;
      if (!m || head > from + i || from + i - head > 1) continue;
      return { head, tail: from + i + m[0].length, dropped: Number(m[1]) };
    }
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
