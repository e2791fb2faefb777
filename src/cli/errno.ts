/**
 * System errors in words: `<what> (<path>): <plain reason>; <hint>`, with an exit code from the
 * documented table (README "Exit codes"), so no command ever prints raw errno text such as
 * `EACCES: permission denied, scandir '…'`. Pure: the caller passes the tree it resolved.
 */
import path from 'node:path';
import { OrcError, type ErrorCode } from '../errors.js';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'is not empty',
  ELOOP: 'is a symbolic link (refused)',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'busy',
  ENAMETOOLONG: 'name too long',
  EXDEV: 'on another file system',
};

const CODES: Record<string, ErrorCode> = { EACCES: 'unsafe-tree', EPERM: 'unsafe-tree', ENOENT: 'not-found', ENOTDIR: 'not-found' };

/** What was being done, from the system call's name. */
function verb(syscall: string | undefined): string {
  if (!syscall) return 'cannot use';
  if (/^(open|read|scandir|opendir|readdir|readlink)/.test(syscall)) return 'cannot read';
  if (/^(stat|lstat|fstat|access|realpath|chdir)/.test(syscall)) return 'cannot reach';
  return 'cannot change';
}

/**
 * An fs error as an OrcError with a plain message, or undefined when `err` is no system error.
 * `root` (the tree this command resolved, if any) lets the message say which part of it failed.
 */
export function plainErrno(err: unknown, root?: string): OrcError | undefined {
  const e = err as NodeJS.ErrnoException | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code) || e instanceof OrcError) return undefined;
  const reason = REASONS[e.code] ?? `system error ${e.code}`;
  const p = e.path;
  let what = 'a file';
  if (p && root) {
    const rel = path.relative(root, path.resolve(p));
    if (rel === '') what = 'the task tree';
    else if (!rel.startsWith('..') && !path.isAbsolute(rel)) what = `${rel.split(path.sep)[0]}/ of the task tree`;
  }
  const dest = (e as { dest?: string }).dest;
  const where = p ? ` (${p}${dest ? ` → ${dest}` : ''})` : '';
  return new OrcError(CODES[e.code] ?? 'failed', `${verb(e.syscall)} ${what}${where}: ${reason}${hint(e.code, p, root)}`, { cause: err });
}

function hint(code: string, p: string | undefined, root: string | undefined): string {
  const tree = root ?? (p ? path.dirname(p) : undefined);
  if (code === 'EACCES' || code === 'EPERM') return tree ? `; a task tree must be yours and mode 0700 (chmod -R u+rwX,go-rwx ${tree})` : '';
  if (code === 'ENOENT' || code === 'ENOTDIR') return root ? `; tmux-orc tasks-init --root ${root} repairs a tree` : '';
  if (code === 'ENOSPC' || code === 'EDQUOT') return '; free some space and run it again';
  if (code === 'EROFS') return '; the tree must be on a writable file system';
  return '';
}

/** Just the reason of a system error, in words (`no space left on device`). */
export function plainReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return (code && REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
}
