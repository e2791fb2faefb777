/**
 * Issue 12, cases 2–4: the trust boundary. A tree whose parent another user can rename things in,
 * a tmp/ or logs/ another user can write, a symlinked log, a hard-linked, foreign-owned or
 * world-writable task file: refused (exit 5, one line naming the directory) or quarantined unrun.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli, exited } from '../helpers.ts';
import {
  asUser, assertOneCleanLine, dropTask, enqueue, env, faultSuite, field, findAll, init, makeUser, pathRe, probe, rootTest, stateOf,
  textLines, until, worker, type Tracked,
} from './harness.ts';

const T = faultSuite('faults: trust boundary');

/** The worker exits 5 within `ms`, with one line on stderr naming `dir` (as a whole path). */
async function refuses(w: Tracked, dir: string, ms = 10000): Promise<void> {
  const r = await exited(w, ms).catch((e) => assert.unreachable(`${(e as Error).message}; it printed:\n${w.out().slice(-800)}`));
  assert.is(r?.code, 5, `exit 5 for an unsafe tree; printed:\n${w.out()}`);
  assert.is(textLines(w.err()).length, 1, `one line on stderr:\n${w.err()}`);
  assert.match(w.err(), pathRe(dir), `names ${dir}:\n${w.err()}`);
}

async function enqueueRefused(root: string, dir: string): Promise<void> {
  const r = await cli(['tasks-enqueue', '--', 'true'], { env: env(root) });
  assert.is(r.code, 5, `tasks-enqueue into an unsafe tree exits 5: ${r.stdout}${r.stderr}`);
  assertOneCleanLine(r, 'tasks-enqueue');
  assert.match(r.stderr, pathRe(dir));
}

/** The reason a failed task was given: `tasks-list failed --json` and the file's REASON line. */
async function reasonOf(root: string, id: string): Promise<string> {
  const r = await cli(['tasks-list', 'failed', '--json'], { env: env(root) });
  let row = '';
  try {
    row = JSON.stringify((JSON.parse(r.stdout) as Array<{ id: string }>).find((x) => x.id === id) ?? '');
  } catch {
    // not JSON: the file still speaks
  }
  const f = findAll(root, id)[0];
  let fileReason = '';
  try {
    fileReason = f ? (field(f.text, 'REASON') ?? '') : '';
  } catch {
    // not a task file any more
  }
  return `${row} ${fileReason}`;
}

rootTest(T, 'swapped parent: a parent dir owned by another user makes worker and tasks-enqueue exit 5 naming it; nothing runs', async ({ dir }) => {
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared);
  const root = path.join(shared, 'tree');
  await init(root);
  const marker = path.join(dir, 'ran');
  const id = await enqueue(root, '--', `touch ${marker}`);
  const u = makeUser();
  fs.chownSync(shared, u.uid, u.gid);
  const w = worker(root, ['--id', '0']);
  await refuses(w, shared);
  assert.not.ok(fs.existsSync(marker), 'no task ran');
  assert.is(stateOf(root, id), 'queue');
  await enqueueRefused(root, shared);
});

rootTest(T, 'swapped parent while running: the worker re-checks, exits 5, and never runs the other user\'s tree', async ({ dir }) => {
  fs.chmodSync(dir, 0o755); // the other user can reach shared/, as in a real shared directory
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared, { mode: 0o755 });
  const root = path.join(shared, 'tree');
  await init(root);
  const w = worker(root, ['--id', '0']);
  await probe(root, w);
  const u = makeUser();
  fs.chownSync(shared, u.uid, u.gid);
  // The other user swaps the tree for one of its own, holding its own task.
  const pwned = path.join(dir, 'pwned');
  const dirs = ['queue', 'running', 'done', 'failed', 'tmp', 'logs', 'workers'].map((d) => `${root}/${d}`).join(' ');
  const swap = asUser(u, 'sh', ['-c', `mv ${root} ${shared}/old && mkdir -p -m 700 ${dirs} && chmod 700 ${root} && printf 'ID=evil\\nCMD=touch ${pwned}\\n' > ${root}/queue/${Date.now()}_x_evil.task`]);
  assert.is(swap.code, 0, `the swap as ${u.name}: ${swap.stderr}`);
  const r = await exited(w, 10000).catch(() => undefined);
  assert.not.ok(fs.existsSync(pwned), `the other user's task ran as the worker's user; worker printed:\n${w.out().slice(-800)}`);
  assert.is(r?.code, 5, `the worker exits 5 once a parent is unsafe; printed:\n${w.out().slice(-800)}`);
  assert.is(textLines(w.err()).length, 1, `one line on stderr:\n${w.err()}`);
});

T('root made group-writable while running: the worker exits 5 and a task dropped after that never runs', async ({ dir, root }) => {
  await init(root);
  const w = worker(root, ['--id', '0']);
  await probe(root, w);
  fs.chmodSync(root, 0o770);
  const marker = path.join(dir, 'ran');
  dropTask(root, 'late1', `ID=late1\nCMD=touch ${marker}\n`);
  const r = await exited(w, 10000).catch(() => undefined);
  assert.not.ok(fs.existsSync(marker), `a task was taken from an unsafe tree; worker printed:\n${w.out().slice(-800)}`);
  assert.is(r?.code, 5, `exit 5; printed:\n${w.out().slice(-800)}`);
  assert.match(w.err(), pathRe(root));
  assert.is(stateOf(root, 'late1'), 'queue', 'the dropped task is left where it was');
});

T('tmp/ mode 0777: worker and tasks-enqueue exit 5 naming tmp/', async ({ root }) => {
  await init(root);
  fs.chmodSync(path.join(root, 'tmp'), 0o777);
  await refuses(worker(root, ['--id', '0']), path.join(root, 'tmp'));
  await enqueueRefused(root, path.join(root, 'tmp'));
  assert.equal(fs.readdirSync(path.join(root, 'queue')), []);
});

rootTest(T, 'logs/ owned by another user: worker and tasks-enqueue exit 5 naming logs/', async ({ root }) => {
  await init(root);
  const u = makeUser();
  fs.chownSync(path.join(root, 'logs'), u.uid, u.gid);
  await refuses(worker(root, ['--id', '0']), path.join(root, 'logs'));
  await enqueueRefused(root, path.join(root, 'logs'));
});

T('a symlink logs/<ID>.out -> outside file: the file is not appended to and tasks-tail does not print it', async ({ dir, root }) => {
  await init(root);
  const id = await enqueue(root, '--id', 'sym1', '--', 'echo from-task; echo from-task-err >&2');
  const secret = path.join(dir, 'secret');
  const secretErr = path.join(dir, 'secret-err');
  fs.writeFileSync(secret, 'TOP-SECRET-OUT\n', { mode: 0o600 });
  fs.writeFileSync(secretErr, 'TOP-SECRET-ERR\n', { mode: 0o600 });
  fs.symlinkSync(secret, path.join(root, 'logs', `${id}.out`));
  fs.symlinkSync(secretErr, path.join(root, 'logs', `${id}.err`));
  const w = worker(root, ['--id', '0']);
  await until(root, id, ['done', 'failed'], 20000);
  assert.is(fs.readFileSync(secret, 'utf8'), 'TOP-SECRET-OUT\n', 'outside file unchanged (stdout)');
  assert.is(fs.readFileSync(secretErr, 'utf8'), 'TOP-SECRET-ERR\n', 'outside file unchanged (stderr)');
  const out = await cli(['tasks-tail', id], { env: env(root) });
  const err = await cli(['tasks-tail', id, '--err'], { env: env(root) });
  assert.not.match(out.stdout + out.stderr, /TOP-SECRET/, `tasks-tail prints the outside file:\n${out.stdout}`);
  assert.not.match(err.stdout + err.stderr, /TOP-SECRET/, `tasks-tail --err prints the outside file:\n${err.stdout}`);
  assert.is(w.exitCode, null, 'the worker carries on');
});

T('a hard-linked task file and a 0666 one: quarantined in failed/ with a reason, never run; the outside file is unchanged; the worker carries on', async ({ dir, root }) => {
  await init(root);
  const outside = path.join(dir, 'outside.task');
  const hlMarker = path.join(dir, 'ran-hl1');
  const content = `ID=hl1\nCMD=touch ${hlMarker}\n`;
  fs.writeFileSync(outside, content, { mode: 0o600 });
  fs.linkSync(outside, path.join(root, 'queue', `${Date.now()}_hl_hl1.task`));
  const wwMarker = path.join(dir, 'ran-ww1');
  fs.chmodSync(dropTask(root, 'ww1', `ID=ww1\nCMD=touch ${wwMarker}\n`), 0o666);
  const normal = await enqueue(root, '--', 'true');
  const w = worker(root, ['--id', '0']);
  await until(root, normal, 'done', 20000);
  await until(root, 'hl1', ['done', 'failed'], 10000);
  await until(root, 'ww1', ['done', 'failed'], 10000);
  assert.not.ok(fs.existsSync(hlMarker), 'the hard-linked task never ran');
  assert.not.ok(fs.existsSync(wwMarker), 'the world-writable task never ran');
  assert.equal([stateOf(root, 'hl1'), stateOf(root, 'ww1')], ['failed', 'failed']);
  assert.is(fs.readFileSync(outside, 'utf8'), content, 'the file outside the tree is unchanged');
  assert.match(await reasonOf(root, 'hl1'), /hard.?link|link count|nlink|linked/i, 'the reason says hard link');
  assert.match(await reasonOf(root, 'ww1'), /writable/i, 'the reason says writable by others');
  assert.is(w.exitCode, null, 'the worker carries on');
});

rootTest(T, 'a task file owned by another user: quarantined in failed/ with a reason naming the owner, never run', async ({ dir, root }) => {
  await init(root);
  const u = makeUser();
  const marker = path.join(dir, 'ran-fo1');
  fs.chownSync(dropTask(root, 'fo1', `ID=fo1\nCMD=touch ${marker}\n`), u.uid, u.gid);
  const normal = await enqueue(root, '--', 'true');
  const w = worker(root, ['--id', '0']);
  await until(root, normal, 'done', 20000);
  await until(root, 'fo1', ['done', 'failed'], 10000);
  assert.not.ok(fs.existsSync(marker), 'the foreign task never ran');
  assert.is(stateOf(root, 'fo1'), 'failed');
  assert.match(await reasonOf(root, 'fo1'), /own|uid/i, 'the reason says who owns it');
  assert.is(w.exitCode, null, 'the worker carries on');
});

T.run();
