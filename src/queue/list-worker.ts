/**
 * The helper thread of listTasksParallel (list-parallel.ts): given its work, it claims chunks
 * until none are left and posts what it read of each chunk's files; the main thread parses them.
 */
import { parentPort } from 'node:worker_threads';
import { claimChunk, type ChunkTexts, type HelperData } from './list-parallel.js';
import { readTexts } from './list-rows.js';
import { tree } from './tree.js';

parentPort?.once('message', ({ root, chunks, next }: HelperData) => {
  const t = tree(root);
  for (let i = claimChunk(next); i < chunks.length; i = claimChunk(next)) {
    parentPort?.postMessage([i, readTexts(t, chunks[i])] satisfies ChunkTexts);
  }
});
