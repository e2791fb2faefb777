/** What every task command needs from its arguments: the resolved task tree, checked, and the store over it. */
import fs from 'node:fs';
import { existingRoot } from '../root.js';
import { DIRS, tree, type Tree } from '../queue/tree.js';
import { checkSafe } from '../queue/trust.js';
import { treeStore } from '../queue/store.js';
import type { Store } from '../store/store.js';
import { fail } from '../errors.js';

/**
 * The tree as DESIGN section 2 finds it (`--root`, `$TASK_ROOT`, the pane's session, walking up),
 * which must exist (exit 3 otherwise, naming where it looked) and pass the trust check (exit 5).
 */
export function treeFrom(argv: { root?: string }): Tree {
  const t = tree(existingRoot({ root: argv.root }).root);
  // A directory of the tree this user cannot use fails here, in words (src/cli/errno.ts), not
  // halfway through a command or after a worker said "ready".
  for (const p of [t.root, ...DIRS.map((d) => t.dir(d))]) {
    try {
      fs.accessSync(p, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  addMissingDirs(t);
  checkSafe(t);
  return t;
}

/** The Redis backend named by `--backend` or `$TASK_BACKEND`, if any (README "Backends"). */
export function backendFrom(argv: { backend?: string }): string | undefined {
  return argv.backend || process.env.TASK_BACKEND || undefined;
}

/**
 * A command only a tree has (named locks, the tree's own paths): refused in one line
 * (exit 2) when a backend is named, never run on some tree instead of the tasks the user means.
 */
export function refuseOnBackend(argv: { backend?: string }, what: string): void {
  if (backendFrom(argv) !== undefined) throw fail('usage', `${what} is not available on the Redis backend (README "Backends"); it works on the tree (unset TASK_BACKEND, or drop --backend)`);
}

/** The tree of a command only a tree has: refused when a backend is named (refuseOnBackend). */
export function treeOnly(argv: { root?: string; backend?: string }, what: string): Tree {
  refuseOnBackend(argv, what);
  return treeFrom(argv);
}

/** Stores opened by this process, closed by closeStores() before it exits. */
const opened: Store[] = [];

/** The store the commands use: the tree, or the Redis backend when one is named. */
export function storeFrom(argv: { root?: string; backend?: string }): Store {
  const url = backendFrom(argv);
  if (url === undefined) return treeStore(treeFrom(argv));
  // Loaded only when named: BullMQ and ioredis would add their start-up to every tree command.
  let real: Promise<Store> | undefined;
  const load = () => (real ??= loadRedis().then(({ redisStore }) => {
    const s = redisStore(url);
    opened.push(s);
    return s;
  }));
  const via = <K extends keyof Store>(verb: K) =>
    (async (...args: unknown[]) => ((await load())[verb] as (...a: unknown[]) => unknown)(...args)) as unknown as Store[K];
  return {
    where: url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'),
    enqueue: via('enqueue'), enqueueMany: via('enqueueMany'), get: via('get'), tasks: via('tasks'), list: via('list'),
    cancel: via('cancel'), retry: via('retry'), retryAllFailed: via('retryAllFailed'), clean: via('clean'), recover: via('recover'),
    remove: via('remove'), pause: via('pause'), resume: via('resume'), paused: via('paused'), hold: via('hold'), release: via('release'),
    setGroup: via('setGroup'), groups: via('groups'), removeGroup: via('removeGroup'),
    edit: via('edit'), move: via('move'),
    health: via('health'), workers: via('workers'), waitForAll: via('waitForAll'), tail: via('tail'),
  };
}

/**
 * The Redis backend's module, loaded at run time from next to this code (dist/redis.js; from
 * source, src/redis/entry.ts): left out of the fast CommonJS entry, which it would make ten times
 * bigger for every enqueue on the tree.
 */
export function loadRedis(): Promise<typeof import('../redis/entry.js')> {
  const url = import.meta.url;
  return import(new URL(url.endsWith('.ts') ? '../redis/entry.ts' : './redis.js', url).href);
}

/** Let go of the connections of the stores this process opened (a process with one open does not exit). */
export async function closeStores(): Promise<void> {
  await Promise.all(opened.splice(0).map((s) => s.close?.()));
}

/**
 * A tree made by an earlier version lacks the directories added since (cancels/): they are made
 * here, in a root of our own only; a tree that is someone else's is refused by checkSafe instead.
 */
function addMissingDirs(t: Tree): void {
  if (fs.statSync(t.root).uid !== process.getuid?.()) return;
  for (const d of DIRS) {
    try {
      fs.mkdirSync(t.dir(d), { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
