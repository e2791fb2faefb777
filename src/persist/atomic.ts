/** Whole-file writes: a new version is written in a staging directory and renamed into place. */
import fs from 'node:fs';
import path from 'node:path';

let lastStamp = 0;
/** Microseconds since the epoch, strictly increasing within this process. */
export function stamp(now = Date.now()): number {
  lastStamp = Math.max(now * 1000, lastStamp + 1);
  return lastStamp;
}

/** A fresh name in `tmpDir` for a staged version of `dest`. */
export function stagingPath(tmpDir: string, dest: string): string {
  return path.join(tmpDir, `${path.basename(dest)}.${process.pid}.${stamp()}`);
}

/**
 * Write `content` to a new file in `tmpDir` (same filesystem) and rename it over `dest`, so no
 * reader ever sees it half-written. On any failure (a full disk) nothing is left in `tmpDir`.
 */
export function writeAtomic(tmpDir: string, dest: string, content: string, opts: { fsync?: boolean } = {}): void {
  const tmp = stagingPath(tmpDir, dest);
  writeNew(tmp, content, opts);
  try {
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Create `file` (0600, never following or replacing anything) holding `content`; removed again if the write fails. */
export function writeNew(file: string, content: string, opts: { fsync?: boolean } = {}): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    try {
      fs.writeSync(fd, content);
      if (opts.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
}

/**
 * Append `text` to the existing `file` in one write, or not at all: a write that does not land
 * whole (a full disk) is cut back before the error is thrown. Never follows a symlink or creates
 * the file. For a file the caller holds: nobody else writes it meanwhile.
 */
export function appendWhole(file: string, text: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW);
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.from(text);
    let written: number;
    try {
      written = fs.writeSync(fd, buf);
    } catch (err) {
      fs.ftruncateSync(fd, size);
      throw err;
    }
    if (written !== buf.length) {
      fs.ftruncateSync(fd, size);
      throw Object.assign(new Error(`no space left on device: ${written} of ${buf.length} bytes written to ${file}`), { code: 'ENOSPC' });
    }
  } finally {
    fs.closeSync(fd);
  }
}
