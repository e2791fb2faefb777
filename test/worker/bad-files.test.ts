/** Bad input dropped into queue/ and unsafe trees: nothing is lost and no worker stops. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, exited, killAll, names, start, tempDir, testEnv, waitFor } from '../helpers.ts';
import { locate } from './tree-helpers.ts';

const B = suite<{ dir: string; root: string }>('bad files');
B.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  assert.is((await cli(['tasks-init'], { env: testEnv(ctx.root) })).code, 0);
});
B.after.each((ctx) => {
  killAll();
  cleanup(ctx.dir);
});

B('garbage, binary, empty, huge, keyless, contradictory and symlinked (also dangling) files all end in failed/ with a reason', async ({ root, dir }) => {
  const q = (name: string) => path.join(root, 'queue', name);
  const pwned = path.join(dir, 'pwned');
  const outside = path.join(dir, 'outside.task');
  fs.writeFileSync(outside, `ID=evil\nCMD=touch ${pwned}\n`);
  fs.writeFileSync(q('garbage'), 'this is not a task\n');
  fs.writeFileSync(q('binary.task'), Buffer.from([0, 1, 2, 255, 254, 0, 10]));
  fs.writeFileSync(q('empty.task'), '');
  fs.writeFileSync(q('huge.task'), `ID=huge\nCMD=${'x'.repeat(1024 * 1024 + 10)}\n`);
  fs.writeFileSync(q('keyless.task'), '\n\n\n');
  fs.writeFileSync(q('contra.task'), `ID=contra\nCMD=touch ${pwned}\nCMD=true\n`);
  fs.writeFileSync(q('badenv.task'), `ID=badenv\nCMD=touch ${pwned}\nENV=NOEQUALS\n`);
  fs.symlinkSync(outside, q('link.task'));
  fs.symlinkSync(path.join(dir, 'nowhere.task'), q('dangling.task'));
  fs.mkdirSync(q('a-directory'));
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  const good = (await cli(['tasks-enqueue', '--', 'echo fine'], { env: testEnv(root) })).stdout.trim();
  await waitFor('good task done', () => locate(root, good)?.state === 'done');
  await waitFor('queue empty', () => names(root, 'queue').length === 0);
  assert.is(names(root, 'failed').length, 10);
  assert.not.ok(fs.existsSync(pwned), 'no bad file ran');
  assert.ok(fs.existsSync(outside), 'the symlink target is untouched');
  assert.ok(fs.lstatSync(path.join(root, 'failed', 'link.task')).isSymbolicLink(), 'the link itself moved, kept as evidence');
  const rows = JSON.parse((await cli(['tasks-list', 'failed', '--json'], { env: testEnv(root) })).stdout) as Array<{ status: string; reason: string }>;
  assert.is(rows.length, 10);
  for (const r of rows) {
    assert.is(r.status, 'invalid');
    assert.match(r.reason, /^invalid: /);
  }
  const reasons = rows.map((r) => r.reason).join('\n');
  for (const why of ['symlink', 'binary', 'empty', 'over the 1 MiB limit', 'not KEY=value', 'contradictory CMD', 'ENV', 'not a regular file']) {
    assert.ok(reasons.includes(why), `${why} in:\n${reasons}`);
  }
  assert.is(w.exitCode, null, 'the worker is alive');
});

B('a seed-format file dropped by hand runs', async ({ root, dir }) => {
  const out = path.join(dir, 'seed.txt');
  fs.writeFileSync(path.join(root, 'queue', '1690000000_ab12_t169000000000.task'), `ID=t169000000000\nCMD=echo "$A" > ${out}\nCWD=${dir}\nENV=A=from seed\n`);
  start(['worker', '--id', '0'], { env: testEnv(root) });
  await waitFor('seed task done', () => locate(root, 't169000000000')?.state === 'done');
  assert.is(fs.readFileSync(out, 'utf8'), 'from seed\n');
});

B('a world-writable tree is refused with exit 5 and a reason', async ({ root }) => {
  fs.chmodSync(path.join(root, 'queue'), 0o777);
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  const r = await exited(w);
  assert.is(r.code, 5);
  assert.match(w.out(), /refusing .*queue: writable by group or others \(mode 777\)/);
  assert.not.match(w.out(), /\n\s+at /);
  const h = await cli(['tasks-health'], { env: testEnv(root) });
  assert.is(h.code, 5);
});

B('a tree owned by another user is refused', async ({ root }) => {
  if (process.getuid!() !== 0) return; // needs root to give the tree away
  fs.chownSync(root, 65534, 65534);
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  assert.is((await exited(w)).code, 5);
  assert.match(w.out(), /owned by uid 65534, not by you/);
});

B('a second worker with the same id on this host is refused; ids are free again after exit', async ({ root }) => {
  const a = start(['worker', '--id', '3'], { env: testEnv(root) });
  await waitFor('ready', () => a.out().includes('ready on'));
  const b = start(['worker', '--id', '3'], { env: testEnv(root) });
  assert.is((await exited(b)).code, 4);
  assert.match(b.out(), /worker 3 is already running/);
  a.kill('SIGTERM');
  await exited(a);
  const c = start(['worker'], { env: testEnv(root) });
  await waitFor('ready', () => c.out().includes('worker-0 ready'));
});

B('tmp/ leftovers older than an hour are swept at start; fresh ones are left alone', async ({ root }) => {
  const old = path.join(root, 'tmp', 'old.task.123.456');
  const fresh = path.join(root, 'tmp', 'fresh.task.123.789');
  fs.writeFileSync(old, 'ID=x\nCMD=true\n');
  fs.writeFileSync(fresh, 'ID=y\nCMD=true\n');
  const past = new Date(Date.now() - 2 * 3_600_000);
  fs.utimesSync(old, past, past);
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  await waitFor('ready', () => w.out().includes('ready on'));
  assert.not.ok(fs.existsSync(old));
  assert.ok(fs.existsSync(fresh));
  assert.equal(names(root, 'queue'), []);
});

B('an unexpected fs error fails that task with a reason, not the worker', async ({ root }) => {
  const w = start(['worker', '--id', '0'], { env: testEnv(root) });
  await waitFor('ready', () => w.out().includes('ready on'));
  fs.mkdirSync(path.join(root, 'logs', 'x1.out')); // its log cannot be opened
  assert.is((await cli(['tasks-enqueue', '-i', 'x1', '--', 'true'], { env: testEnv(root) })).code, 0);
  await waitFor('first task failed', () => locate(root, 'x1')?.state === 'failed');
  assert.match(locate(root, 'x1')!.text, /REASON=spawn-error: open \S*x1\.out: Is a directory/);
  const b = (await cli(['tasks-enqueue', '--', 'true'], { env: testEnv(root) })).stdout.trim();
  await waitFor('next task done', () => locate(root, b)?.state === 'done');
  assert.is(w.exitCode, null);
});

B.run();
