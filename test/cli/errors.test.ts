/**
 * No raw errno text (issue 14 point 6): every task command, given a file as root, a missing root,
 * a mode-000 root and a mode-000 queue/, answers with one line `tmux-orc: <what> (<path>): <reason>`
 * and a documented exit code. Root ignores permission bits, so as root the commands run as
 * `nobody` (setpriv) on a tree that user owns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, CLI, run, tempDir, testEnv } from '../helpers.ts';
import { plainErrno } from '../../src/cli/errno.ts';

const asRoot = process.getuid!() === 0;
const NOBODY = 65534;
const canDrop = asRoot && (() => {
  try {
    execFileSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'true']);
    return true;
  } catch {
    return false;
  }
})();

const T = suite<{ dir: string; root: string }>('errors in words');
T.before.each((ctx) => {
  ctx.dir = tempDir();
  fs.chmodSync(ctx.dir, 0o711); // reachable by the unprivileged user below
  // The tree's parent belongs to the user who runs the CLI, so tasks-init may create the tree.
  fs.mkdirSync(path.join(ctx.dir, 'home'), { mode: 0o700 });
  if (canDrop) fs.chownSync(path.join(ctx.dir, 'home'), NOBODY, NOBODY);
  ctx.root = path.join(ctx.dir, 'home', 'tree');
});
T.after.each((ctx) => {
  for (const p of [ctx.root, path.join(ctx.root, 'queue')]) fs.existsSync(p) && fs.statSync(p).isDirectory() && fs.chmodSync(p, 0o700);
  cleanup(ctx.dir);
});

/** The CLI as the user who owns the tree (nobody when the tests run as root). */
const cli = (args: string[], root: string, input = '') =>
  canDrop
    ? run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args], { env: testEnv(root), input })
    : run(process.execPath, [CLI, ...args], { env: testEnv(root), input });

const COMMANDS: string[][] = [
  ['tasks-enqueue', 'true'], ['tasks-enqueue', '--stdin'], ['tasks-list'], ['tasks-list', 'queue', '--json'], ['tasks-tail', 'x'],
  ['tasks-cancel', 'x'], ['tasks-retry', 'x'], ['tasks-retry', '--all-failed'], ['tasks-health'], ['tasks-clean'],
  ['worker', '--until-empty'], ['tasks-paths'], ['tasks-init'],
];

/** Make the tree as `kind` says, owned by whoever runs the CLI. */
async function prepare(kind: string, root: string): Promise<void> {
  if (kind === 'a file as root') return fs.writeFileSync(root, 'x');
  if (kind === 'a missing root') return;
  fs.mkdirSync(root, { mode: 0o700 });
  for (const d of ['tmp', 'queue', 'running', 'done', 'failed', 'logs', 'workers']) fs.mkdirSync(path.join(root, d), { mode: 0o700 });
  if (canDrop) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, root]);
  fs.chmodSync(kind === 'a mode-000 root' ? root : path.join(root, 'queue'), 0o000);
}

const EXPECT: Record<string, { code: number; init: number }> = {
  'a file as root': { code: 3, init: 3 },
  'a missing root': { code: 3, init: 0 },
  'a mode-000 root': { code: 5, init: 0 },
  'a mode-000 queue/': { code: 5, init: 0 },
};

for (const [kind, want] of Object.entries(EXPECT)) {
  T(`every task command on ${kind}: one plain line, exit ${want.code}`, async ({ root }) => {
    if (kind.includes('mode-000') && asRoot && !canDrop) return console.log(`  (skipped ${kind}: running as root without setpriv, and root ignores permission bits)`);
    for (const args of COMMANDS) {
      await prepare(kind, root);
      const r = await cli(args, root, 'true\n');
      const what = `${args.join(' ')} on ${kind}: ${r.stderr}`;
      if (args[0] === 'tasks-paths') {
        assert.is(r.code, 0, what);
        assert.ok(r.stdout.startsWith(`TASK_ROOT=${root}  (from $TASK_ROOT`), what);
      } else {
        assert.is(r.code, args[0] === 'tasks-init' ? want.init : want.code, what);
        if (r.code !== 0) {
          const lines = r.stderr.trimEnd().split('\n');
          assert.is(lines.length, 1, what);
          assert.match(lines[0], /^tmux-orc: \S.*\(\/.*\): [a-z]/, what);
          assert.ok(lines[0].includes(root), `names the tree: ${what}`);
          assert.not.match(lines[0], /\bE[A-Z]{3,}\b|errno|scandir|opendir|\bat \//, what);
        }
      }
      fs.rmSync(root, { recursive: true, force: true });
      if (fs.existsSync(root)) {
        fs.chmodSync(root, 0o700);
        fs.rmSync(root, { recursive: true, force: true });
      }
    }
  });
}

T('system errors in words: what, path, reason, hint; exit codes from the table', () => {
  const e = (code: string, syscall: string, p: string) => Object.assign(new Error(`${code}: x, ${syscall} '${p}'`), { code, syscall, path: p });
  const acc = plainErrno(e('EACCES', 'scandir', '/r/queue'), '/r')!;
  assert.is(acc.message, 'cannot read queue/ of the task tree (/r/queue): permission denied; a task tree must be yours and mode 0700 (chmod -R u+rwX,go-rwx /r)');
  assert.is(acc.code, 'unsafe-tree');
  assert.is(plainErrno(e('ENOSPC', 'write', '/r/tmp/x'), '/r')!.message, 'cannot change tmp/ of the task tree (/r/tmp/x): no space left on device; free some space and run it again');
  assert.is(plainErrno(e('ENOENT', 'open', '/elsewhere/f'), '/r')!.code, 'not-found');
  assert.is(plainErrno(new Error('plain')), undefined);
});

T.run();
