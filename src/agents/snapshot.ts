/**
 * `git-snapshot`: the seeds' "commit every 30 minutes" rule as a mechanism. Commits everything in
 * the work tree (`git add -A`) as `Progress: auto-snapshot <time>` only when something changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';
import { git, repoTop } from './worktree.js';

/** What a snapshot did. */
export type Snapshot = { committed: false; dir: string } | { committed: true; dir: string; commit: string; message: string; files: number };

/** Commit work in progress in `dir` if there is any. */
export function snapshot(dir: string, note?: string, now = new Date()): Snapshot {
  const abs = path.resolve(dir);
  if (!fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw fail('not-found', `git-snapshot: ${abs} is not a directory`);
  const top = repoTop(abs);
  if (!top) throw fail('usage', `git-snapshot: ${abs} is not in a git repository`);
  const status = git(top, 'status', '--porcelain', '--untracked-files=all');
  if (status.trim() === '') return { committed: false, dir: top };
  const message = `Progress: ${note ? `${note} ` : ''}auto-snapshot ${now.toISOString()}`;
  // Commit even where no git identity is configured (fresh machines, CI): ours is then used.
  const who = hasIdentity(top) ? [] : ['-c', 'user.name=tmux-orc', '-c', 'user.email=tmux-orc@localhost'];
  try {
    git(top, 'add', '-A');
    git(top, ...who, 'commit', '--quiet', '--no-verify', '-m', message);
  } catch (err) {
    throw fail('failed', `git-snapshot: commit in ${top} failed: ${(err as Error).message}`);
  }
  return { committed: true, dir: top, commit: git(top, 'rev-parse', '--short', 'HEAD').trim(), message, files: status.trim().split('\n').length };
}

function hasIdentity(top: string): boolean {
  try {
    return git(top, 'config', '--get', 'user.email').trim() !== '';
  } catch {
    return false;
  }
}
