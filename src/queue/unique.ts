/**
 * Unique keys (`tasks-enqueue --unique KEY`): while a task holding KEY is queued, held or running,
 * another enqueue with KEY is refused. The key is taken by link(2) of a staged key file into
 * unique/ (only one link can make a name: no check-then-act), before the task file is renamed
 * into the queue. It names the task and the process that took it; it is removed when the task
 * settles (done/ or failed/), and a leftover (its task settled or never written, its enqueuer
 * dead) is removed by the next enqueue that meets it. Removals happen under one lock and read
 * the key again under it, so a key is never removed from under a task that holds it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail, isErrno, OrcError } from '../errors.js';
import { HOST, isAlive, processStart } from '../persist/proc.js';
import { stagingPath, writeNew } from '../persist/atomic.js';
import { withLock } from '../persist/lock.js';
import { find, type Tree } from './tree.js';

/** The refusal of an enqueue whose key is taken: `holder` is the task holding it. */
export class KeyTaken extends OrcError {
  constructor(readonly key: string, readonly holder: string) {
    super('conflict', `unique key ${JSON.stringify(key)} is held by task ${holder} (queued, held or running)`);
  }
}

/** A KeyTaken, also one thrown by another bundle (the Redis backend's): OrcErrors are recognised across bundles, classes are not. */
export function keyHolder(err: unknown): string | undefined {
  const holder = (err as { holder?: unknown } | undefined)?.holder;
  return err instanceof OrcError && typeof holder === 'string' ? holder : undefined;
}

/** Why a key is not acceptable, or undefined. */
export function uniqueProblem(key: string): string | undefined {
  if (key === '' || key.length > 128 || /[\n\r\0]/.test(key)) return `--unique ${JSON.stringify(key)}: use 1-128 characters on one line`;
  return undefined;
}

interface KeyRecord {
  id: string;
  pid: number;
  start: string;
  host: string;
}

const keyFile = (t: Tree, key: string) => `${t.dir('unique')}/${Buffer.from(key).toString('base64url')}`;

function readKey(file: string): KeyRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const [id = '', pid = '0', start = '', host = ''] = text.split('\n');
  return { id, pid: Number(pid), start, host };
}

/** Whether the task a key names is done with it: settled, or never written by an enqueuer now dead. */
function isLeftover(t: Tree, k: KeyRecord): boolean {
  const f = find(t, k.id);
  if (f) return f.dir === 'done' || f.dir === 'failed';
  if (k.host !== HOST) return false; // another host's enqueuer may be between its two steps
  return !isAlive(k.pid, k.start);
}

/** Take `key` for task `id`; throws KeyTaken naming the live task that holds it. */
export async function takeKey(t: Tree, key: string, id: string): Promise<void> {
  fs.mkdirSync(t.dir('unique'), { recursive: true, mode: 0o700 });
  const file = keyFile(t, key);
  for (;;) {
    const staged = stagingPath(t.dir('tmp'), file);
    writeNew(staged, `${id}\n${process.pid}\n${processStart(process.pid) ?? ''}\n${HOST}\n`);
    try {
      fs.linkSync(staged, file);
      return;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    } finally {
      fs.rmSync(staged, { force: true });
    }
    const holder = readKey(file);
    if (!holder) continue; // released as we looked
    if (holder.id === id) return; // ours already (a retry of the task that holds it)
    if (!isLeftover(t, holder)) throw new KeyTaken(key, holder.id);
    await removeIf(t, key, (k) => k.id === holder.id && isLeftover(t, k));
  }
}

/** Give `key` up for task `id` (it settled, or its enqueue failed): only if it still names `id`. */
export function releaseKey(t: Tree, key: string, id: string): Promise<void> {
  return removeIf(t, key, (k) => k.id === id);
}

function removeIf(t: Tree, key: string, ok: (k: KeyRecord) => boolean): Promise<void> {
  return withLock(path.join(t.root, 'unique.lock'), () => {
    const file = keyFile(t, key);
    const k = readKey(file);
    if (k && ok(k)) fs.rmSync(file, { force: true });
  });
}

/** Refuse a key that is not acceptable (exit 2). */
export function checkUnique(key: string | undefined): void {
  const bad = key === undefined ? undefined : uniqueProblem(key);
  if (bad) throw fail('usage', bad);
}
