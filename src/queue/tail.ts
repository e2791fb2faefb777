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
import { capAt, capOf, findCap, HINT, type Cap } from './log-cap.js';

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
    return lastLinesOf(fd, fs.fstatSync(fd).size, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `n` lines of the first `size` bytes of an open file. */
function lastLinesOf(fd: number, size: number, n: number): string {
  const chunks: Buffer[] = [];
  let newlines = 0;
  for (let start = size; start > 0 && newlines <= n && n > 0;) {
    const len = Math.min(64 * 1024, start);
    start -= len;
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, start);
    chunks.unshift(buf);
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) newlines++;
  }
  return endLines(Buffer.concat(chunks).toString('utf8'), n);
}

/** The last `n` lines of a text, each ending in a newline ('' for none: `-n 0`). */
export function endLines(text: string, n: number): string {
  if (n <= 0) return '';
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).map((l) => `${l}\n`).join('');
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
  /** Without `follow`: told when the log was capped (task_log_max), how much was dropped where. */
  capped?: (s: string) => void;
}

/**
 * Print the last `n` lines; with `follow`, print both logs as they grow (stderr's through
 * `writeErr`) until the task has ended and its logs are fully read, and resolve with its outcome.
 * chokidar wakes us on each append; a slow poll notices the task moving.
 */
export async function tail(t: Tree, id: string, o: TailOptions): Promise<Outcome | undefined> {
  if (!find(t, id)) throw fail('not-found', `no task ${id} in ${t.root}`);
  if (!o.follow) {
    const file = logPath(t, id, o.stream);
    o.write(lastLines(file, o.lines));
    const cap = o.capped && capOf(file);
    if (cap) o.capped!(`${id}.${o.stream} was capped (task_log_max): its first ${cap.head} bytes and its end are kept, ${cap.dropped} bytes between them were dropped (the marker line shows where)`);
    return undefined;
  }
  const writeErr = o.writeErr ?? o.write;
  // The last lines and where following starts are read from one look at each file: output
  // written in between is neither lost nor shown twice.
  const readers = [
    { file: logPath(t, id, 'out'), write: o.write },
    { file: logPath(t, id, 'err'), write: writeErr },
  ].map((l) => ({ ...l, ...start(l.file, o.lines, l.write), utf8: new StringDecoder('utf8') })); // an append may end inside a character
  const { watch } = await import('chokidar');
  let wake = () => {};
  const watcher = watch(readers.map((l) => l.file), { persistent: true, ignoreInitial: true }).on('all', () => wake());
  try {
    const nap = (ms: number) => new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      wake = () => (clearTimeout(timer), r());
    });
    return await follow(t, id, readers, { note: o.note ?? (() => {}), onLook: o.onLook ?? (() => {}) }, nap, o.pollMs ?? 250);
  } finally {
    await watcher.close();
  }
}

interface Log {
  file: string;
  write: (s: string) => void;
}

async function follow(t: Tree, id: string, readers: Reader[], { note, onLook }: Required<Pick<TailOptions, 'note' | 'onLook'>>, nap: (ms: number) => Promise<void>, pollMs: number): Promise<Outcome> {
  let said = '';
  for (;;) {
    const f = find(t, id);
    if (!f) throw fail('not-found', `task ${id} disappeared from ${t.root} (removed by hand, or by tasks-clean?)`);
    const finished = f.dir === 'done' || f.dir === 'failed';
    for (const r of readers) copyNew(r, (b) => r.write(r.utf8.write(b)));
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

/** A followed log: how much of the task's output was shown, and the file's cap marker (log-cap.ts) as last seen. */
interface Reader extends Log {
  /** Bytes of the task's output shown (dropped ones counted as shown: the marker said so). */
  seen: number;
  /** The file's size at the last look: a smaller one means the launcher cut it. */
  last: number;
  cap?: Cap;
  /** The file's inode at the last look. */
  ino?: number;
  /** Whether what was written last ended a line. */
  nl?: boolean;
  utf8: StringDecoder;
}

/** Start following a log: its last `n` lines written, and a reader at the end of what they showed. */
function start(file: string, n: number, write: (s: string) => void): Pick<Reader, 'seen' | 'last' | 'cap' | 'nl' | 'ino'> {
  const fd = openLog(file);
  if (fd === undefined) return { seen: 0, last: 0 };
  try {
    const st = fs.fstatSync(fd);
    const cap = findCap(fd, st.size);
    write(lastLinesOf(fd, st.size, n));
    return { seen: logical(st.size, cap), last: st.size, cap, nl: true, ino: st.ino };
  } finally {
    fs.closeSync(fd);
  }
}

/** The output offset of a file offset past the marker. */
const logical = (off: number, cap?: Cap) => (cap && off >= cap.tail ? off - cap.tail + cap.head + cap.dropped : off);

/** Where a follower of a local log is: also the Redis backend's log shipper (src/redis/logs.ts). */
export type Followed = Pick<Reader, 'file' | 'seen' | 'last' | 'cap' | 'ino' | 'nl'>;

/** Copy what the task wrote since the last look; a log cut back meanwhile is followed through its marker. */
export function copyNew(r: Followed, write: (b: Buffer) => void): void {
  const fd = openLog(r.file);
  if (fd === undefined) return;
  try {
    const st = fs.fstatSync(fd);
    const now = st.size;
    // The launcher replaces a log it caps by a new file (whose inode number may be an old one's):
    // the marker is read where it sits on every look (one small read), known once found, else
    // expected at half of our own task_log_max; searched for when the file changed otherwise.
    const head = r.cap?.head ?? HINT;
    let cap = now > head ? capAt(fd, head) : undefined;
    if (!cap && (st.ino !== r.ino || now < r.last)) cap = findCap(fd, now);
    if (!cap && now < r.last) r.seen = 0; // truncated by hand: from the start
    r.cap = cap;
    r.ino = st.ino;
    r.last = now;
    let off = r.seen;
    if (cap && r.seen > cap.head) {
      off = r.seen - cap.head - cap.dropped + cap.tail;
      if (off < cap.tail) {
        write(Buffer.from(`${r.nl ? '' : '\n'}[tmux-orc: ${cap.tail - off} more bytes dropped here while following]\n`));
        off = cap.tail;
      }
    }
    if (now > off) {
      const buf = Buffer.alloc(now - off);
      const n = fs.readSync(fd, buf, 0, buf.length, off);
      write(buf.subarray(0, n));
      if (n) r.nl = buf[n - 1] === 0x0a;
      off += n;
    }
    r.seen = Math.max(r.seen, logical(off, cap));
  } finally {
    fs.closeSync(fd);
  }
}
