/**
 * The trust boundary (DESIGN invariant 6). Whoever can write into the tree, or rename things in a
 * directory above it, can run commands as the worker's user; so, as sshd's StrictModes and cron
 * do, a tree is refused unless every directory in it is the user's and writable by nobody else,
 * and every directory above it is owned by root or the user and writable by nobody else (or is
 * sticky, like /tmp, where others cannot rename what is not theirs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail, isErrno } from '../errors.js';
import type { Tree } from './tree.js';

/** This process's uid: asked once (a worker checks before every claim). */
const UID = process.getuid?.();

/** Refuse (exit 5, with the fix) a tree that someone else could write into or swap. */
export function checkSafe(t: Tree, uid = UID): void {
  if (uid === undefined) return; // no uids (Windows): nothing to compare
  for (const dir of t.all) checkOwn(dir, uid);
  for (const dir of parents(t.root)) checkParent(dir, uid);
  let real: string;
  try {
    real = fs.realpathSync(t.root);
  } catch {
    return; // checkOwn has just seen it; a race with a rename is caught by the next check
  }
  if (real !== t.root) for (const dir of [real, ...parents(real)]) checkParent(dir, uid);
}

/**
 * The root's identity now, checked as its own directory is (owner, mode): one stat that a worker
 * makes before each claim, to notice a swapped or opened-up tree at once. The full check runs
 * at every rescan.
 */
export function rootIdentity(t: Tree, uid = UID): string {
  const st = uid === undefined ? lstat(t.root) : checkOwn(t.root, uid);
  return `${st.dev}:${st.ino}`;
}

function checkOwn(dir: string, uid: number): fs.Stats {
  const st = lstat(dir);
  if (st.isSymbolicLink()) throw fail('unsafe-tree', `refusing ${dir}: it is a symlink; the tree's directories must be real directories`);
  if (!st.isDirectory()) throw fail('unsafe-tree', `refusing ${dir}: not a directory`);
  if (st.uid !== uid) throw fail('unsafe-tree', `refusing ${dir}: owned by uid ${st.uid}, not by you (uid ${uid}); run: chown -R ${uid} ${dir}`);
  if (st.mode & 0o022) throw fail('unsafe-tree', `refusing ${dir}: writable by group or others (mode ${mode(st)}); run: chmod 700 ${dir}`);
  return st;
}

function checkParent(dir: string, uid: number): void {
  const st = lstat(dir);
  const sticky = (st.mode & 0o1000) !== 0;
  if (st.uid !== 0 && st.uid !== uid && !sticky) {
    throw fail('unsafe-tree', `refusing the tree under ${dir}: that directory is owned by uid ${st.uid}, who could swap the tree; move the tree, or run: chown ${uid} ${dir}`);
  }
  if (st.mode & 0o022 && !sticky) {
    throw fail('unsafe-tree', `refusing the tree under ${dir}: that directory is writable by group or others (mode ${mode(st)}); run: chmod go-w ${dir}`);
  }
}

function lstat(p: string): fs.Stats {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw fail('failed', `task tree damaged: ${p} is missing (run tmux-orc tasks-init --root ${path.dirname(p)} to recreate the tree's directories)`);
    if (isErrno(err, 'EACCES')) throw fail('unsafe-tree', `cannot look at ${p}: permission denied`);
    throw err;
  }
}

/** The directories above `p`, nearest first, up to /. */
function parents(p: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(p); ; d = path.dirname(d)) {
    out.push(d);
    if (d === path.dirname(d)) return out;
  }
}

const mode = (st: fs.Stats) => (st.mode & 0o7777).toString(8);
