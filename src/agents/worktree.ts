/**
 * A git worktree per agent (`--worktree`): a sibling directory `<repo>-worktrees/<name>` on the
 * branch `agent/<name>`, so agents never edit the same checkout. Reused when it exists already
 * (revive, a second deploy); never deleted by us: it holds the agent's work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fail } from '../errors.js';

/** Run git; throws with git's first error line. */
export function git(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw fail('not-found', 'git is not installed');
    throw new Error((e.stderr ?? '').trim().split('\n')[0] || e.message);
  }
}

/** The top directory of the git repository holding `dir`, or undefined. */
export function repoTop(dir: string): string | undefined {
  try {
    return git(dir, 'rev-parse', '--show-toplevel').trim();
  } catch {
    return undefined;
  }
}

/** Where an agent's worktree lives and its branch. */
function worktreeFor(top: string, name: string): { dir: string; branch: string } {
  return { dir: path.join(path.dirname(top), `${path.basename(top)}-worktrees`, name), branch: `agent/${name}` };
}

/** Make (or reuse) the agent's worktree; returns it and the cwd inside it matching `cwd`. */
export function ensureWorktree(cwd: string, name: string): { dir: string; branch: string; cwd: string } {
  const top = repoTop(cwd);
  if (!top) throw fail('usage', `--worktree needs a git repository, and ${cwd} is not in one`);
  const { dir, branch } = worktreeFor(top, name);
  const sub = path.relative(fs.realpathSync(top), fs.realpathSync(cwd));
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const exists = (() => {
      try {
        git(top, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
        return true;
      } catch {
        return false;
      }
    })();
    try {
      git(top, 'worktree', 'add', ...(exists ? [dir, branch] : ['-b', branch, dir]));
    } catch (err) {
      throw fail('failed', `git worktree add ${dir} failed: ${(err as Error).message}`);
    }
  }
  return { dir, branch, cwd: path.join(dir, sub) };
}
