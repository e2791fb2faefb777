/**
 * Cancel requests: `cancels/<ID>` holds the claim token of the run to cancel. Whoever settles
 * that run (its worker, or a recoverer) reads it; a request for an earlier run, left behind by a
 * cancel that was interrupted, names another token and is ignored. A request never touches the
 * task file or a state directory.
 */
import fs from 'node:fs';
import { writeAtomic } from '../persist/atomic.js';
import type { Tree } from './tree.js';

const markerPath = (t: Tree, id: string) => `${t.dir('cancels')}/${id}`;

/** Ask for the run holding `claim` to be cancelled. */
export function requestCancel(t: Tree, id: string, claim: string): void {
  writeAtomic(t.dir('tmp'), markerPath(t, id), claim);
}

/** The claim token whose run was asked to be cancelled, if any. */
export function cancelMarker(t: Tree, id: string): string | undefined {
  const file = markerPath(t, id);
  if (!fs.existsSync(file)) return undefined; // the common case, asked for every task: no throw
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Remove the request for `claim` (only that one: a newer request stays). */
export function clearCancel(t: Tree, id: string, claim: string | undefined): void {
  if (claim === undefined || cancelMarker(t, id) === claim) fs.rmSync(markerPath(t, id), { force: true });
}
