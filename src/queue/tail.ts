/** Reading a task's logs: the last N lines, or following them until the task ends. */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { find, logPath, type Tree } from './tree.js';
import { fail } from '../errors.js';

/** The last `n` lines of a file (reads only the end of a large file). */
export function lastLines(file: string, n: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    let start = size;
    let text = '';
    const chunk = 64 * 1024;
    while (start > 0) {
      const len = Math.min(chunk, start);
      start -= len;
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, start);
      text = buf.toString('utf8') + text;
      if (text.split('\n').length > n + 1) break;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n).map((l) => `${l}\n`).join('');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Print the last `n` lines; with `follow`, keep printing what is appended until the task has
 * finished (done/ or failed/) and its log is fully read. chokidar wakes us on each append (and
 * copes with a log that does not exist yet); a slow poll notices the task finishing.
 */
export async function tail(
  t: Tree, id: string, o: { stream: 'out' | 'err'; lines: number; follow: boolean; write: (s: string) => void; pollMs?: number },
): Promise<void> {
  if (!find(t, id)) throw fail('not-found', `no task ${id} in ${t.root}`);
  const file = logPath(t, id, o.stream);
  o.write(lastLines(file, o.lines));
  if (!o.follow) return;
  const { watch } = await import('chokidar');
  let wake = () => {};
  const watcher = watch(file, { persistent: true, ignoreInitial: true }).on('all', () => wake());
  try {
    await follow(t, id, file, o.write, (ms) => new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      wake = () => (clearTimeout(timer), r());
    }), o.pollMs ?? 250);
  } finally {
    await watcher.close();
  }
}

async function follow(t: Tree, id: string, file: string, write: (s: string) => void, nap: (ms: number) => Promise<void>, pollMs: number) {
  let pos = size(file);
  const utf8 = new StringDecoder('utf8'); // an append may end inside a character
  for (;;) {
    const f = find(t, id);
    const finished = !f || f.dir === 'done' || f.dir === 'failed';
    const now = size(file);
    if (now < pos) pos = 0; // truncated by hand
    if (now > pos) {
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(now - pos);
      fs.readSync(fd, buf, 0, buf.length, pos);
      fs.closeSync(fd);
      write(utf8.write(buf));
      pos = now;
    }
    if (finished) return;
    await nap(pollMs);
  }
}

function size(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
