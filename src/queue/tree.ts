/**
 * The task tree on disk: its layout, file names, safety check and the read/write primitives.
 * Only the modules in src/queue/ touch the tree, and they do it through these functions.
 *
 *   <root>/tmp/      files being written (never read by workers)
 *   <root>/queue/    waiting: <P>-<T>-<ID>.task, sorting in dispatch order
 *   <root>/running/  claimed; same file name
 *   <root>/done/     exited 0
 *   <root>/failed/   everything else, with STATUS and REASON
 *   <root>/logs/     <ID>.out, <ID>.err
 *   <root>/workers/  one heartbeat file per live worker
 *   <root>/cancels/  <ID>: a cancel request for the run whose claim token it holds
 *   <root>/held/     held tasks (tasks-hold, --hold): kept, never claimed; same file name
 *   <root>/paused/   `queue` (the whole queue) and `group.<G>`: pauses (queue-control.ts)
 *   <root>/unique/   one key file per --unique key taken by a live task (unique.ts)
 *   <root>/hooks/    `on-finish`: the tree's completion hook (hooks.ts)
 *
 * P is 2000 minus the priority (4 digits), T the enqueue time in microseconds (16 digits), so
 * that a plain sort of names is dispatch order. The seed's `<ts>_<rand>_<id>.task` names are read too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decode } from '../persist/codec.js';
import { parseTask, PRIORITY_RANGE, type Task } from './task.js';
import type { Dir } from './lifecycle.js';
import { isErrno } from '../errors.js';
import { stamp } from '../persist/atomic.js';

export { stamp };

export const DIRS = ['tmp', 'queue', 'running', 'done', 'failed', 'logs', 'workers', 'cancels', 'held', 'paused', 'unique', 'hooks'] as const;
export const STATE_DIRS: readonly Dir[] = ['queue', 'held', 'running', 'done', 'failed'];
/** Task files larger than this are invalid. */
export const MAX_TASK_BYTES = 1024 * 1024;

export interface Tree {
  root: string;
  dir: (d: (typeof DIRS)[number]) => string;
  /** Every directory of the tree, the root first. */
  all: readonly string[];
}

export function tree(root: string): Tree {
  const abs = path.resolve(root);
  // Joined once: a worker asks for these paths several times per task.
  const dirs = Object.fromEntries(DIRS.map((d) => [d, path.join(abs, d)])) as Record<(typeof DIRS)[number], string>;
  return { root: abs, dir: (d) => dirs[d], all: [abs, ...Object.values(dirs)] };
}

/** Create the tree (mode 0700), idempotently. */
export function ensureTree(t: Tree): void {
  fs.mkdirSync(t.root, { recursive: true, mode: 0o700 });
  for (const d of DIRS) fs.mkdirSync(t.dir(d), { recursive: true, mode: 0o700 });
}


// ---- file names -------------------------------------------------------------------------

const OURS = /^(\d{4})-(\d{16})-([A-Za-z0-9][A-Za-z0-9._-]{0,127})\.task$/;
const SEED = /^(\d{1,19})_([A-Za-z0-9]+)_([A-Za-z0-9][A-Za-z0-9._-]{0,127})\.task$/;


export function taskName(id: string, priority: number, stampUs: number): string {
  return `${String(2 * PRIORITY_RANGE - priority).padStart(4, '0')}-${String(stampUs).padStart(16, '0')}-${id}.task`;
}

/** The ID a file name carries and the key it sorts by; unknown names sort first (and fail fast). */
export function nameInfo(name: string): { id?: string; key: string } {
  const ours = OURS.exec(name);
  if (ours) return { id: ours[3], key: name };
  const seed = SEED.exec(name);
  if (seed) {
    const ts = seed[1];
    const us = ts.length <= 10 ? Number(ts) * 1e6 : ts.length <= 13 ? Number(ts) * 1e3 : Math.floor(Number(ts) / 1e3);
    return { id: seed[3], key: `${2 * PRIORITY_RANGE}-${String(us).padStart(16, '0')}-${seed[3]}.task` };
  }
  return { key: `0000-${name}` };
}

/** Names in a state directory, in dispatch order. */
export function listNames(t: Tree, d: Dir): string[] {
  const names = dirNames(t.dir(d));
  // The common case, only our own names: they sort as they are (no key objects for 100,000 names).
  if (names.every((n) => OURS.test(n))) return names.sort();
  const keyed = names.map((n) => ({ n, k: nameInfo(n).key }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.n);
}

/**
 * The names in a directory, read a few hundred at a time. readdirSync builds the whole listing
 * in C first (scandir): with 100,000 names that transient array left ~8 MB in the process's
 * malloc arena for good, on top of the names themselves.
 */
export function dirNames(dir: string): string[] {
  const d = fs.opendirSync(dir, { bufferSize: 256 });
  const names: string[] = [];
  try {
    for (let e = d.readSync(); e !== null; e = d.readSync()) names.push(e.name);
  } finally {
    d.closeSync();
  }
  return names;
}

// ---- reading and writing ----------------------------------------------------------------

let scratch: Buffer | undefined;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A task file read from the tree: the task, or the reason it is invalid. */
export type Read = { ok: true; task: Task } | { ok: false; id: string; reason: string };

/**
 * Read and validate a task file without following symlinks. Never throws for bad content;
 * returns undefined only when the file is gone (someone else moved it). `name` is the file's
 * base name, for callers that have it already (tasks-list reads 100,000 files).
 */
export function readTask(file: string, name = path.basename(file), strict = false): Read | undefined {
  const text = readTaskText(file, strict);
  return text === undefined ? undefined : taskFromText(text, name);
}

/**
 * A task file's text, or why it cannot hold a task whatever it says. (A plain string: tasks-list's
 * helper thread posts thousands, and strings cross threads at a third of the cost of objects.)
 */
export type TaskText = string | { invalid: string };

/**
 * The reading half of readTask: the file's text, without following symlinks; undefined when the
 * file is gone. (tasks-list runs it on a helper thread and taskFromText on the main thread.)
 */
export function readTaskText(file: string, strict = false): TaskText | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    if (isErrno(err, 'ELOOP')) return { invalid: 'a symlink' };
    return { invalid: `unreadable (${(err as NodeJS.ErrnoException).code})` };
  }
  try {
    const unsafe = strict ? unsafeFile(fs.fstatSync(fd)) : undefined;
    if (unsafe) return { invalid: unsafe };
    // One read(2) into a reused buffer, no fstat: a short read of a regular file is its end,
    // and a file that fills the buffer is over the limit. (Half the syscalls of readFileSync.)
    const buf = (scratch ??= Buffer.allocUnsafe(MAX_TASK_BYTES + 1));
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, 0);
    } catch (err) {
      if (isErrno(err, 'EISDIR')) return { invalid: 'not a regular file' };
      throw err;
    }
    if (n > MAX_TASK_BYTES) return { invalid: 'over the 1 MiB limit' };
    if (n === 0) return { invalid: 'empty' };
    let text: string;
    try {
      text = utf8.decode(buf.subarray(0, n));
    } catch {
      return { invalid: 'binary (not UTF-8)' };
    }
    if (text.includes('\0')) return { invalid: 'binary (NUL bytes)' };
    return text;
  } catch (err) {
    return { invalid: `unreadable (${(err as Error).message})` };
  } finally {
    fs.closeSync(fd);
  }
}

const UID = process.getuid?.();

/**
 * Why a file must not be run even if it reads as a task: someone else could change it, or it is
 * also a file outside the tree (DESIGN invariant 6). Costs an fstat, so listings skip it.
 */
export function unsafeFile(st: fs.Stats, uid = UID): string | undefined {
  if (!st.isFile()) return undefined; // read() says what it is
  if (st.nlink > 1) return `a hard link (${st.nlink} links)`;
  if (uid !== undefined && st.uid !== uid) return `owned by uid ${st.uid}, not by the worker's uid ${uid}`;
  if (st.mode & 0o022) return `writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

/** The parsing half of readTask: the task in what was read from the file `name`, or why it is invalid. */
export function taskFromText(read: TaskText, name: string): Read {
  const nameId = nameInfo(name).id;
  const invalid = (reason: string): Read => ({ ok: false, id: nameId ?? name, reason: `invalid: ${reason}` });
  if (typeof read !== 'string') return invalid(read.invalid);
  try {
    return { ok: true, task: parseTask(decode(read), nameId) };
  } catch (err) {
    return invalid((err as Error).message);
  }
}

// Names and IDs hold no slash: no path.join (it normalizes, and a worker builds these per task).
export const taskPath = (t: Tree, d: Dir, name: string): string => `${t.dir(d)}/${name}`;
export const logPath = (t: Tree, id: string, stream: 'out' | 'err' | 'hook'): string => `${t.dir('logs')}/${id}.${stream}`;

/** Where a task is now. */
export interface Found {
  dir: Dir;
  name: string;
  file: string;
}

/**
 * Find a task by ID. Looks in queue, held, running, done, failed order, which is the direction
 * tasks mostly move, and looks twice before saying "not found" so a task moving backwards (a
 * release, a retry) is not missed.
 */
export function find(t: Tree, id: string): Found | undefined {
  for (let pass = 0; pass < 2; pass++) {
    for (const dir of STATE_DIRS) {
      let names: string[];
      try {
        names = fs.readdirSync(t.dir(dir));
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      for (const name of names) {
        if ((nameInfo(name).id ?? name) === id) return { dir, name, file: taskPath(t, dir, name) };
      }
    }
  }
  return undefined;
}
