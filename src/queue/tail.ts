/**
 * Reading a task's logs: the last N lines, or following both streams until the task ends.
 * Logs are opened without following symlinks (a link planted in logs/ must not make us print
 * another file).
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { find, logPath, readTask, type Tree } from './tree.js';
import { outcomeOf, queuedState, type Outcome } from './wait.js';
import { fail, isErrno } from '../errors.js';

const NOFOLLOW = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;

/** Open a log for reading; undefined when it does not exist (yet). */
function openLog(file: string): number | undefined {
  try {
    return fs.openSync(file, NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    if (isErrno(err, 'ELOOP')) throw fail('unsafe-tree', `log (${file}): is a symbolic link; refusing to read it (someone else can write into logs/?)`);
    throw err;
  }
}

/** The last `n` lines of a file (reads only the end of a large file). */
export function lastLines(file: string, n: number): string {
  const fd = openLog(file);
  if (fd === undefined) return '';
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

export interface TailOptions {
  /** Without `follow`: which log to print. */
  stream: 'out' | 'err';
  lines: number;
  /** Follow both logs until the task ends. */
  follow: boolean;
  write: (s: string) => void;
  /** Where the stderr log goes when following. */
  writeErr?: (s: string) => void;
  /** Said while following: the task's state when it is not running (queued, delayed, waiting). */
  note?: (s: string) => void;
  /** Called on each look while following: what a queued task waits for, or undefined once it runs. */
  onLook?: (waiting: string | undefined) => void;
  pollMs?: number;
}

/**
 * Print the last `n` lines; with `follow`, print both logs as they grow (stderr's through
 * `writeErr`) until the task has ended and its logs are fully read, and resolve with its outcome.
 * chokidar wakes us on each append; a slow poll notices the task moving.
 */
export async function tail(t: Tree, id: string, o: TailOptions): Promise<Outcome | undefined> {
  if (!find(t, id)) throw fail('not-found', `no task ${id} in ${t.root}`);
  if (!o.follow) {
    o.write(lastLines(logPath(t, id, o.stream), o.lines));
    return undefined;
  }
  const writeErr = o.writeErr ?? o.write;
  const logs = [
    { file: logPath(t, id, 'out'), write: o.write },
    { file: logPath(t, id, 'err'), write: writeErr },
  ];
  for (const l of logs) l.write(lastLines(l.file, o.lines));
  const { watch } = await import('chokidar');
  let wake = () => {};
  const watcher = watch(logs.map((l) => l.file), { persistent: true, ignoreInitial: true }).on('all', () => wake());
  try {
    const nap = (ms: number) => new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      wake = () => (clearTimeout(timer), r());
    });
    return await follow(t, id, logs, { note: o.note ?? (() => {}), onLook: o.onLook ?? (() => {}) }, nap, o.pollMs ?? 250);
  } finally {
    await watcher.close();
  }
}

interface Log {
  file: string;
  write: (s: string) => void;
}

async function follow(t: Tree, id: string, logs: Log[], { note, onLook }: Required<Pick<TailOptions, 'note' | 'onLook'>>, nap: (ms: number) => Promise<void>, pollMs: number): Promise<Outcome> {
  const readers = logs.map((l) => ({ ...l, pos: size(l.file), utf8: new StringDecoder('utf8') })); // an append may end inside a character
  let said = '';
  for (;;) {
    const f = find(t, id);
    if (!f) throw fail('not-found', `task ${id} disappeared from ${t.root} (removed by hand, or by tasks-clean?)`);
    const finished = f.dir === 'done' || f.dir === 'failed';
    for (const r of readers) r.pos = copyNew(r.file, r.pos, (b) => r.write(r.utf8.write(b)));
    if (finished) return outcomeOf(id, f.dir as 'done' | 'failed', f.file);
    const state = f.dir === 'queue' ? stateOf(t, f.file) : 'running';
    // Said when it changes, not on every look: a delayed task's countdown would repeat the line.
    const key = state.replace(/ \(in .*\)$/, '');
    if (key !== said && (said !== '' || state !== 'running')) note(`${id}: ${state}`);
    said = key;
    onLook(f.dir === 'queue' ? state : undefined);
    await nap(pollMs);
  }
}

function stateOf(t: Tree, file: string): string {
  const r = readTask(file);
  if (!r?.ok) return 'queued';
  return queuedState(r.task, (dep) => find(t, dep)?.dir === 'done');
}

/** Copy what was appended to `file` since `pos`; returns the new position. */
function copyNew(file: string, pos: number, write: (b: Buffer) => void): number {
  const fd = openLog(file);
  if (fd === undefined) return pos;
  try {
    const now = fs.fstatSync(fd).size;
    if (now < pos) pos = 0; // truncated by hand
    if (now > pos) {
      const buf = Buffer.alloc(now - pos);
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      write(buf.subarray(0, n));
      return pos + n;
    }
    return pos;
  } finally {
    fs.closeSync(fd);
  }
}

function size(file: string): number {
  try {
    return fs.lstatSync(file).size;
  } catch {
    return 0;
  }
}
