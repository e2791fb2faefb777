/**
 * The server's bearer token: made on first start and kept in `<root>/serve.token` (0600), so a
 * restarted server keeps the same one and a script reads it from the tree it already knows.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fail, isErrno } from '../errors.js';

/** The token file's name in the tree. */
export const TOKEN_FILE = 'serve.token';

/** The token, made (O_EXCL, 0600) when there is none; refuses a token file others can read. */
export function loadOrMakeToken(root: string): { token: string; file: string; made: boolean } {
  const file = path.join(root, TOKEN_FILE);
  let made = false;
  try {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(fd, `${crypto.randomBytes(32).toString('base64url')}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    made = true;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ELOOP')) throw fail('unsafe-tree', `${file} is a symbolic link; remove it and start again`);
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw fail('unsafe-tree', `${file} is not a regular file; remove it and start again`);
    if (st.uid !== process.getuid?.()) throw fail('unsafe-tree', `${file} is owned by uid ${st.uid}, not by you; remove it and start again`);
    if (st.mode & 0o077) throw fail('unsafe-tree', `${file} can be read by others (mode ${(st.mode & 0o777).toString(8)}); fix: chmod 600 ${file}`);
    const token = fs.readFileSync(fd, 'utf8').trim();
    if (token.length < 16) throw fail('unsafe-tree', `${file} holds no usable token (under 16 characters); remove it and start again`);
    return { token, file, made };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `given` is the token, in time that does not depend on where they differ. */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}
