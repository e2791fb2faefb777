/**
 * `tasks-list` for big trees, read by two threads. Each task file costs one open, read and close,
 * 10-20 µs of syscalls here, so at 100,000 files reading is most of a listing, and a second core
 * halves it. The names are cut into chunks that both threads claim from one shared counter, so
 * neither waits for the other when the helper starts late or one thread is descheduled on a busy
 * machine. Copying a row object between threads costs about as much as parsing it (~4-8 µs on
 * both sides together), while strings copy almost for free: so the helper only reads, posting
 * each chunk's file texts, and this thread parses them in between its own chunks, then puts the
 * rows together in listing order.
 */
import fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { namesToList, rowsFor, rowsFromTexts, type NameBatch, type TaskRow } from './list-rows.js';
import { STATE_DIRS, type TaskText, type Tree } from './tree.js';
import type { Dir } from './lifecycle.js';

/** Below this many files one thread is about as fast: starting the helper costs ~60 ms. */
export const PARALLEL_MIN_FILES = 10_000;
/** Names per chunk: enough that claiming costs nothing, few enough that the threads finish together. */
const CHUNK_NAMES = 1000;
/**
 * The helper's script, built next to cli.cjs and main.js (package.json "build"). Run from source (tests under
 * tsx) there is none, and this thread reads everything.
 */
const HELPER_SCRIPT = new URL('./list-worker.js', import.meta.url);

/** What the helper thread is given. */
export interface HelperData {
  root: string;
  chunks: NameBatch[];
  /** The index of the next unclaimed chunk, shared by both threads. */
  next: Int32Array;
}

/** What the helper read of a chunk's files, as it posts it. */
export type ChunkTexts = [index: number, texts: Array<TaskText | undefined>];

/** Every row of one state or all of them, in the same order and with the same content as listTasks. */
export async function listTasksParallel(t: Tree, which: Dir | 'all', now = Date.now()): Promise<TaskRow[]> {
  const canHelp = fs.existsSync(fileURLToPath(HELPER_SCRIPT));
  // A helper started now boots (~150 ms) while this thread lists the names (~200 ms at 100,000).
  let helper = canHelp && looksBig(t, which) ? startHelper() : undefined;
  const batches = namesToList(t, which);
  const files = batches.reduce((n, b) => n + b.names.length, 0);
  if (files < PARALLEL_MIN_FILES || !canHelp) {
    void helper?.worker?.terminate();
    return batches.flatMap((b) => rowsFor(t, b, now));
  }
  helper ??= startHelper();
  const chunks = chunksOf(batches, CHUNK_NAMES);
  const next = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const rows = new Map<number, TaskRow[]>();
  helper.give({ root: t.root, chunks, next }, (i, texts) => rows.set(i, rowsFromTexts(t, chunks[i], texts, now)));
  for (let i = claimChunk(next); i < chunks.length; i = claimChunk(next)) {
    rows.set(i, rowsFor(t, chunks[i], now));
    await nextTurn(); // parse the helper's chunks as they come, while there is reading left to share
  }
  if (rows.size < chunks.length) await helper.gone;
  else void helper.worker?.terminate(); // it claimed nothing: do not wait for it to start
  // A chunk a failed helper claimed but never posted is read here, so no row is ever lost.
  return chunks.flatMap((chunk, i) => rows.get(i) ?? rowsFor(t, chunk, now));
}

/**
 * Whether the directories to list look big enough for a helper before their names are read: a
 * directory's size grows with the names it holds (ext4 ~60 bytes a name, tmpfs 20) and does not
 * shrink. A wrong guess costs little: a helper started for nothing is stopped; one not started
 * early starts once the names are counted.
 */
function looksBig(t: Tree, which: Dir | 'all'): boolean {
  let bytes = 0;
  for (const d of which === 'all' ? STATE_DIRS : [which]) bytes += fs.statSync(t.dir(d), { throwIfNoEntry: false })?.size ?? 0;
  return bytes >= PARALLEL_MIN_FILES * 20;
}

interface Helper {
  worker?: Worker;
  /** Hand it the work; it posts each chunk's texts to onChunk. */
  give(data: HelperData, onChunk: (...chunk: ChunkTexts) => void): void;
  /** Settles when it has exited, after its last chunk came in. */
  gone: Promise<unknown>;
}

/** Start the helper thread; it waits for its work (give). */
function startHelper(): Helper {
  let worker: Worker;
  try {
    worker = new Worker(HELPER_SCRIPT);
  } catch {
    return { give: () => {}, gone: Promise.resolve() }; // no thread to be had: this one reads everything
  }
  worker.on('error', () => {}); // the chunks it claimed and did not post are read again
  worker.unref(); // until it has work, it keeps nobody waiting (a listing that fails exits)
  return {
    worker,
    give: (data, onChunk) => {
      worker.on('message', ([i, texts]: ChunkTexts) => onChunk(i, texts));
      worker.ref();
      worker.postMessage(data);
    },
    // Node delivers every message a worker posted before its 'exit', also after an 'error'.
    gone: new Promise((resolve) => worker.once('exit', resolve)),
  };
}

/** Cut each batch into chunks of at most `size` names, keeping listing order. */
export function chunksOf(batches: NameBatch[], size: number): NameBatch[] {
  const chunks: NameBatch[] = [];
  for (const { dir, names } of batches) {
    for (let i = 0; i < names.length; i += size) chunks.push({ dir, names: names.slice(i, i + size) });
  }
  return chunks;
}

/** The index of a chunk no other thread has claimed (past the end when all are taken). */
export function claimChunk(next: Int32Array): number {
  return Atomics.add(next, 0, 1);
}
