/**
 * The helper thread of listTasksParallel (list-parallel.ts): it claims chunks until none are left,
 * posts each chunk's rows, and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { claimChunk, type ChunkRows, type HelperData } from './list-parallel.js';
import { rowsFor } from './list-rows.js';
import { tree } from './tree.js';

const { root, chunks, next, now } = workerData as HelperData;
const t = tree(root);
for (let i = claimChunk(next); i < chunks.length; i = claimChunk(next)) {
  parentPort?.postMessage([i, rowsFor(t, chunks[i], now)] satisfies ChunkRows);
}
