/**
 * The directories and files behind groups and named locks (issue 18): `groups/<G>/` and `locks/`,
 * made on first use. They hold files whose kernel locks decide who may run, so they get the tree's
 * trust rules (DESIGN invariant 6): 0700 directories of ours, never a symlink, files 0600 opened
 * without following one.
 */
import fs from 'node:fs';
import { fail, isErrno } from '../errors.js';

const UID = process.getuid?.();

/** Make `dir` (0700) if it is missing, then refuse it (exit 5) unless it is a real directory of ours that nobody else can write. */
export function ownDir(dir: string, create = true): boolean {
  if (create) {
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
  }
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.isSymbolicLink()) throw fail('unsafe-tree', `refusing ${dir}: it is a symlink; the tree's directories must be real directories`);
  if (!st.isDirectory()) throw fail('unsafe-tree', `refusing ${dir}: not a directory`);
  if (UID !== undefined && st.uid !== UID) throw fail('unsafe-tree', `refusing ${dir}: owned by uid ${st.uid}, not by you (uid ${UID}); run: chown -R ${UID} ${dir}`);
  if (st.mode & 0o022) throw fail('unsafe-tree', `refusing ${dir}: writable by group or others (mode ${(st.mode & 0o7777).toString(8)}); run: chmod 700 ${dir}`);
  return true;
}

/** Create the empty file `file` (0600) unless it exists; never through a symlink. */
export function touchFile(file: string): void {
  fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, 0o600));
}
