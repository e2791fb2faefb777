/** The tasks-* commands end to end: the real CLI against a temp tree, no workers needed. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, CLI, names, run as runFile, tempDir, testEnv, type Run } from '../helpers.ts';
import { listTasks } from '../../src/queue/list.ts';
import { PARALLEL_MIN_FILES } from '../../src/queue/list-parallel.ts';
import { ensureTree, taskName, taskPath, tree } from '../../src/queue/tree.ts';
import { iso } from '../../src/time.ts';

const T = suite<{ dir: string; root: string }>('tasks CLI');
T.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  ensureTree(tree(ctx.root)); // only tasks-init and init create a tree (README "Finding the tree")
});
T.after.each((ctx) => cleanup(ctx.dir));

const run = (root: string, ...args: string[]) => cli(args, { env: testEnv(root) });

/** One clear line on stderr, never a stack trace. */
function oneLine(r: Run, code: number, pattern: RegExp) {
  assert.is(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /);
}

T('tasks-init creates the tree private to its user and prints it', async ({ root }) => {
  const r = await run(root, 'tasks-init');
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), root);
  for (const d of ['tmp', 'queue', 'running', 'done', 'failed', 'logs', 'workers']) {
    assert.is(fs.statSync(path.join(root, d)).mode & 0o777, 0o700, d);
  }
});

T('tasks-enqueue prints the ID and writes a seed-compatible task file', async ({ root, dir }) => {
  fs.mkdirSync(path.join(dir, 'sub'));
  const r = await cli(['tasks-enqueue', '-d', 'sub', '-i', 'job-1', '-e', 'FOO=a=b', '--', 'bash', '-lc', 'echo $FOO'], { env: testEnv(root), cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'job-1\n');
  const [name] = names(root, 'queue');
  assert.match(name, /^2000-\d{16}-job-1\.task$/);
  const text = fs.readFileSync(path.join(root, 'queue', name), 'utf8');
  assert.match(text, /^ID=job-1\nCMD=bash -lc 'echo \$FOO'\nCWD=.*\/sub\nENV=FOO=a=b\n/);
});

T('-d/--cwd that is missing or not a directory is refused at enqueue (exit 3, one line naming it), nothing queued', async ({ root, dir }) => {
  fs.writeFileSync(path.join(dir, 'afile'), '');
  const missing = path.join(dir, 'nope');
  oneLine(await cli(['tasks-enqueue', '-d', 'nope', 'true'], { env: testEnv(root), cwd: dir }), 3, new RegExp(`^tmux-orc: --cwd ${missing}: does not exist$`));
  oneLine(await run(root, 'tasks-enqueue', '--cwd', path.join(dir, 'afile'), '--', 'true'), 3, /^tmux-orc: --cwd .*\/afile: not a directory$/);
  oneLine(await cli(['tasks-enqueue', '--stdin', '-d', missing], { env: testEnv(root), input: 'true\n' }), 3, /--cwd .*\/nope: does not exist/);
  assert.equal(names(root, 'queue'), []);
});

T('listing: states, JSON, and the command cut only on a terminal', async ({ root }) => {
  await run(root, 'tasks-enqueue', '-i', 'a', '--', 'echo', 'x'.repeat(300));
  await run(root, 'tasks-enqueue', '-i', 'b', '--in', '1h', '--', 'true');
  const text = await run(root, 'tasks-list');
  assert.match(text.stdout, /^ID\s+STATE\s+STATUS/);
  assert.ok(text.stdout.includes('x'.repeat(300)), 'whole command in a pipe');
  const json = JSON.parse((await run(root, 'tasks-list', 'queue', '--json')).stdout);
  assert.equal(json.map((t: { id: string; status: string }) => [t.id, t.status]), [['a', 'ready'], ['b', 'delayed']]);
  assert.equal(JSON.parse((await run(root, 'tasks-list', 'done', '--json')).stdout), []);
});

T('a tree past PARALLEL_MIN_FILES, read by two threads, lists what one thread lists, invalid files included', async ({ root }) => {
  assert.is((await run(root, 'tasks-init')).code, 0);
  const t = tree(root);
  const base = Date.parse('2020-01-01T00:00:00Z');
  const states = ['queue', 'queue', 'running', 'done', 'failed'] as const;
  for (let i = 0; i < PARALLEL_MIN_FILES + 1500; i++) {
    const id = `big${i}`;
    const dir = states[i % states.length];
    const record = dir === 'queue' ? '' : `WORKER=w${i % 3}\nSTARTED=${iso(base + i)}\n${dir === 'running' ? '' : `FINISHED=${iso(base + i + 5)}\nEXIT=${i % 2}\nSTATUS=${dir}\n`}`;
    fs.writeFileSync(taskPath(t, dir, taskName(id, i % 3, (base + i) * 1000)), `ID=${id}\nCMD=echo ${i}\nENQUEUED=${iso(base + i)}\n${record}`);
  }
  // Invalid files spread over the chunks both threads read.
  fs.writeFileSync(taskPath(t, 'queue', taskName('binary', 0, base * 1000 + 1)), Buffer.from([0xff, 0, 1]));
  fs.writeFileSync(taskPath(t, 'done', taskName('empty', 0, (base + 4000) * 1000)), '');
  fs.symlinkSync('/etc/passwd', taskPath(t, 'queue', taskName('link', 0, (base + 9000) * 1000)));
  const r = await run(root, 'tasks-list', '--json');
  assert.is(r.code, 0, r.stderr);
  const withoutAge = ({ ageMs: _age, file: _file, ...rest }: { ageMs: number; file?: string }) => rest;
  const listed = JSON.parse(r.stdout).map(withoutAge);
  const expected = JSON.parse(JSON.stringify(listTasks(t, 'all'))).map(withoutAge);
  assert.is(listed.length, PARALLEL_MIN_FILES + 1503);
  assert.equal(listed, expected);
  assert.equal(listed.filter((row: { status: string }) => row.status === 'invalid').map((row: { id: string }) => row.id).sort(), ['binary', 'empty', 'link']);
  const text = (await run(root, 'tasks-list')).stdout.split('\n');
  assert.is(text.length, PARALLEL_MIN_FILES + 1503 + 2, 'header, one line per task, final newline');
  // Down to a third, under PARALLEL_MIN_FILES, the directories keep their size (ext4): a helper
  // started early on that guess is stopped, and one thread lists the same rows.
  for (const d of new Set(states)) for (const name of names(root, d)) if (!name.startsWith('2000-')) fs.rmSync(path.join(root, d, name));
  const few = await run(root, 'tasks-list', '--json');
  assert.is(few.code, 0, few.stderr);
  assert.equal(JSON.parse(few.stdout).map(withoutAge), JSON.parse(JSON.stringify(listTasks(t, 'all'))).map(withoutAge));
});

T('a reader that goes away (tasks-list | head -1) ends the listing quietly, no stack trace', async ({ root }) => {
  const input = Array.from({ length: 3000 }, (_, i) => `echo ${i}`).join('\n');
  assert.is((await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input })).code, 0);
  const r = await runFile('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" tasks-list | head -1`], { env: testEnv(root) });
  assert.match(r.stdout, /^ID +STATE/);
  assert.is(r.stderr, '', 'no EPIPE trace');
  assert.is(r.code, 0);
});

T('an enqueue whose reader went away (--stdin | head -1) enqueues all and ends quietly', async ({ root }) => {
  // 5,000 IDs are ~85 KB, more than a pipe holds: the printing outlives head.
  const input = Array.from({ length: 5000 }, (_, i) => `echo ${i}`).join('\n');
  const r = await runFile('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" tasks-enqueue --stdin | head -1`], { env: testEnv(root), input });
  assert.match(r.stdout, /^t[0-9a-z]+\n$/);
  assert.is(r.stderr, '', 'no EPIPE trace');
  assert.is(r.code, 0);
  assert.is(names(root, 'queue').length, 5000);
});

T('bulk --stdin enqueues one task per line in order', async ({ root }) => {
  const input = Array.from({ length: 300 }, (_, i) => `echo ${i}`).join('\n') + '\n\n';
  const r = await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input });
  assert.is(r.code, 0, r.stderr);
  const ids = r.stdout.trim().split('\n');
  assert.is(ids.length, 300);
  assert.equal(names(root, 'queue').map((n) => n.replace(/^.*-(t[0-9a-z]+)\.task$/, '$1')), ids);
});

T('bulk --stdin gives every line the same options, as single enqueues would', async ({ dir, root }) => {
  assert.is((await run(root, 'tasks-enqueue', '-i', 'dep', '--', 'true')).code, 0);
  const opts = ['-d', dir, '-e', 'A=1', '-e', 'B=x=y', '-p', '7', '--after', 'dep', '--retries', '2', '-l', 'L'];
  const r = await cli(['tasks-enqueue', '--stdin', ...opts], { env: testEnv(root), input: 'echo "a b"\nprintf %s\\n $HOME\n' });
  assert.is(r.code, 0, r.stderr);
  const single = await run(root, 'tasks-enqueue', ...opts, '--', 'echo one');
  assert.is(single.code, 0, single.stderr);
  const fields = (id: string) => {
    const name = names(root, 'queue').find((n) => n.endsWith(`-${id}.task`))!;
    return fs.readFileSync(path.join(root, 'queue', name), 'utf8').split('\n').filter((l) => !/^(ID|CMD|ENQUEUED)=/.test(l));
  };
  const [a, b] = r.stdout.trim().split('\n');
  assert.equal(fields(a), fields(single.stdout.trim()));
  assert.equal(fields(b), fields(single.stdout.trim()));
  assert.ok(names(root, 'queue').filter((n) => !n.endsWith('-dep.task')).every((n) => n.startsWith('1993-')), 'priority 7 in every name');
  oneLine(await cli(['tasks-enqueue', '--stdin', '--after', 'nope'], { env: testEnv(root), input: 'true\n' }), 3, /no task nope/);
  oneLine(await cli(['tasks-enqueue', '--stdin', '-i', 'x'], { env: testEnv(root), input: 'true\n' }), 2, /drop --id/);
  assert.is(names(root, 'queue').length, 4, 'refused bulk runs wrote nothing');
});

T('enqueue from another directory reaches the same queue (found walking up)', async ({ dir }) => {
  const project = path.join(dir, 'proj');
  const deep = path.join(project, 'a', 'b');
  fs.mkdirSync(deep, { recursive: true });
  const env = testEnv(undefined, { TMUX_SESSION: 'demo' });
  assert.is((await cli(['tasks-init'], { env, cwd: project })).code, 0);
  const r = await cli(['tasks-enqueue', '--', 'true'], { env, cwd: deep });
  assert.is(r.code, 0, r.stderr);
  assert.is(names(path.join(project, 'var/tmux/demo/tasks'), 'queue').length, 1);
  const paths = JSON.parse((await cli(['tasks-paths', '--json'], { env, cwd: deep })).stdout);
  assert.is(paths.root, path.join(project, 'var/tmux/demo/tasks'));
  assert.is(paths.source, 'ancestor');
});

T('cancel a queued task: it ends in failed/ as cancelled; cancel again is a conflict', async ({ root }) => {
  await run(root, 'tasks-enqueue', '-i', 'q1', '--', 'true');
  const r = await run(root, 'tasks-cancel', 'q1');
  assert.is(r.code, 0, r.stderr);
  const [name] = names(root, 'failed');
  assert.match(fs.readFileSync(path.join(root, 'failed', name), 'utf8'), /STATUS=cancelled/);
  oneLine(await run(root, 'tasks-cancel', 'q1'), 4, /already finished/);
});

T('retry moves a failed task back with a fresh attempt; --all-failed; a queued one is a conflict (done ones are retried too: test/queue/control.test.ts)', async ({ root }) => {
  await run(root, 'tasks-enqueue', '-i', 'r1', '--', 'true');
  await run(root, 'tasks-enqueue', '-i', 'r2', '--', 'true');
  await run(root, 'tasks-cancel', 'r1');
  await run(root, 'tasks-cancel', 'r2');
  assert.is((await run(root, 'tasks-retry', 'r1')).code, 0);
  const json = JSON.parse((await run(root, 'tasks-list', 'queue', '--json')).stdout);
  assert.equal(json.map((t: { id: string; attempt: number }) => [t.id, t.attempt]), [['r1', 2]]);
  oneLine(await run(root, 'tasks-retry', 'r1'), 4, /only finished tasks \(done or failed\) can be retried/);
  assert.is((await run(root, 'tasks-retry', '--all-failed')).stdout, 'r2\n');
  assert.is(names(root, 'failed').length, 0);
});

T('clean removes finished tasks with their logs by --keep and says how many in one line; --dry-run removes nothing', async ({ root }) => {
  for (const id of ['c1', 'c2', 'c3']) {
    await run(root, 'tasks-enqueue', '-i', id, '--', 'true');
    await run(root, 'tasks-cancel', id);
    fs.writeFileSync(path.join(root, 'logs', `${id}.out`), 'log');
  }
  const dry = await run(root, 'tasks-clean', '--keep', '1', '--dry-run');
  const lines = dry.stdout.trim().split('\n');
  assert.is(lines.length, 3, dry.stdout);
  assert.match(lines[0], /^would remove failed\/c\d$/);
  assert.is(lines[2], 'would remove 2 finished tasks (0 done, 2 failed) and their logs');
  assert.is(names(root, 'failed').length, 3);
  const r = await run(root, 'tasks-clean', '--keep', '1');
  assert.equal([r.code, r.stdout, r.stderr], [0, 'removed 2 finished tasks (0 done, 2 failed) and their logs\n', '']);
  assert.is(names(root, 'failed').length, 1);
  assert.is(names(root, 'logs').length, 1);
  const old = await run(root, 'tasks-clean', '--hours', '0');
  assert.equal([old.code, old.stdout], [0, 'removed 1 finished task (0 done, 1 failed) and their logs\n']);
  assert.is(names(root, 'failed').length, 0);
  assert.is((await run(root, 'tasks-clean', '--json')).stdout, '[]\n', '--json: only the JSON');
});

T('health: counts, unhealthy (exit 8) with queued tasks and no worker', async ({ root }) => {
  await run(root, 'tasks-init');
  const ok = await run(root, 'tasks-health', '--json');
  assert.is(ok.code, 0);
  assert.is(JSON.parse(ok.stdout).healthy, true);
  await run(root, 'tasks-enqueue', '--', 'true');
  const bad = await run(root, 'tasks-health', '--json');
  assert.is(bad.code, 8);
  const h = JSON.parse(bad.stdout);
  assert.is(h.counts.queue, 1);
  assert.match(h.problems[0], /no live worker/);
});

T('tail prints the last N lines of a log; --err the other stream', async ({ root }) => {
  await run(root, 'tasks-enqueue', '-i', 'l1', '--', 'true');
  fs.writeFileSync(path.join(root, 'logs', 'l1.out'), Array.from({ length: 150 }, (_, i) => `line ${i}`).join('\n') + '\n');
  fs.writeFileSync(path.join(root, 'logs', 'l1.err'), 'oops\n');
  const r = await run(root, 'tasks-tail', 'l1');
  assert.is(r.stdout.split('\n').filter(Boolean).length, 100);
  assert.ok(r.stdout.startsWith('line 50\n'));
  assert.is((await run(root, 'tasks-tail', 'l1', '-n', '2')).stdout, 'line 148\nline 149\n');
  assert.is((await run(root, 'tasks-tail', 'l1', '--err')).stdout, 'oops\n');
});

const bad: Array<[string, string[], number, RegExp]> = [
  ['empty command', ['tasks-enqueue', '--'], 2, /empty command/],
  ['blank command', ['tasks-enqueue', '--', '  '], 2, /empty command/],
  ['unknown option', ['tasks-enqueue', '--bogus', '--', 'true'], 2, /Unknown argument/],
  ['unknown command', ['tasks-frobnicate'], 2, /unknown command "tasks-frobnicate"/],
  ['--after an unknown ID', ['tasks-enqueue', '--after', 'nope', '--', 'true'], 3, /no task nope/],
  ['ID with /', ['tasks-enqueue', '-i', 'a/b', '--', 'true'], 2, /invalid task ID/],
  ['ID with ..', ['tasks-enqueue', '-i', 'a..b', '--', 'true'], 2, /invalid task ID/],
  ['ID with a space', ['tasks-enqueue', '-i', 'a b', '--', 'true'], 2, /invalid task ID/],
  ['ID with a leading -', ['tasks-enqueue', '--id=-x', '--', 'true'], 2, /invalid task ID/],
  ['ENV without =', ['tasks-enqueue', '-e', 'NOPE', '--', 'true'], 2, /NAME=value/],
  ['bad duration', ['tasks-enqueue', '--in', 'soon', '--', 'true'], 2, /duration/],
  ['priority out of range', ['tasks-enqueue', '--priority', '5000', '--', 'true'], 2, /priority/],
  ['worker: unknown option', ['worker', '--bogus'], 2, /Unknown argument/],
  ['worker: an argument', ['worker', 'extra'], 2, /Unknown argument/],
  ['worker: bad --id', ['worker', '--id', 'a b'], 2, /use letters, digits/],
  ['tail of an unknown ID', ['tasks-tail', 'nope'], 3, /no task nope/],
  ['cancel of an unknown ID', ['tasks-cancel', 'nope'], 3, /no task nope/],
  ['retry of an unknown ID', ['tasks-retry', 'nope'], 3, /no task nope/],
  ['retry of a bad ID', ['tasks-retry', '../x'], 2, /invalid task ID/],
  ['clean with both', ['tasks-clean', '--hours', '1', '--keep', '2'], 2, /mutually exclusive|conflict/i],
];
for (const [name, args, code, pattern] of bad) {
  T(`bad input: ${name} → exit ${code}, one line`, async ({ root }) => {
    await run(root, 'tasks-init');
    oneLine(await run(root, ...args), code, pattern);
    assert.is(names(root, 'queue').length, 0, 'nothing enqueued');
  });
}

T('bad input: a duplicate -i is refused and the first task is untouched', async ({ root }) => {
  await run(root, 'tasks-enqueue', '-i', 'dup', '--', 'echo first');
  oneLine(await run(root, 'tasks-enqueue', '-i', 'dup', '--', 'echo second'), 4, /already exists/);
  const files = names(root, 'queue');
  assert.is(files.length, 1);
  assert.match(fs.readFileSync(path.join(root, 'queue', files[0]), 'utf8'), /CMD=echo first/);
});

T.run();
