/** Issue 14 point 1: our options stop at the command; from there on its argv is untouched. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, names, tempDir, testEnv } from '../helpers.ts';
import { commandFirst, normalise, splitCommandLine } from '../../src/cli/split.ts';
import { ENQUEUE_OPTIONS } from '../../src/cli/commands/tasks/enqueue.ts';

const T = suite<{ dir: string; root: string }>('command line');
T.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
  assert.is((await cli(['tasks-init'], { env: testEnv(ctx.root) })).code, 0);
});
T.after.each((ctx) => cleanup(ctx.dir));

const run = (root: string, ...args: string[]) => cli(args, { env: testEnv(root), cwd: path.dirname(root) });
const cmdOf = (root: string, id: string) => {
  const name = names(root, 'queue').find((n) => n.endsWith(`-${id}.task`))!;
  return /^CMD=(.*)$/m.exec(fs.readFileSync(path.join(root, 'queue', name), 'utf8'))![1];
};

T('split: a table of cases', () => {
  const cases: Array<[string[], string[], string[]]> = [
    [['printf', '%s|', '-p', '5', '-l', 'x'], [], ['printf', '%s|', '-p', '5', '-l', 'x']],
    [['-p', '5', 'sort', '-p', '5', 'f'], ['--priority=5'], ['sort', '-p', '5', 'f']],
    [['-p5', '-lx', '--in=1h', 'ls'], ['--priority=5', '--label=x', '--in=1h'], ['ls']],
    [['--timeout', '-5s', 'true'], ['--timeout=-5s'], ['true']],
    [['-w', '--', '--', 'x'], ['--wait'], ['--', 'x']],
    [['--bogus', 'ls'], ['--bogus'], ['ls']],
    [['--root', '/r', '-e', 'A=1', '-e', 'B=2', 'env'], ['--root=/r', '--env=A=1', '--env=B=2'], ['env']],
    [['--help'], ['--help'], []],
    [['ls', '--help'], [], ['ls', '--help']],
  ];
  for (const [args, ours, words] of cases) assert.equal(splitCommandLine(args, ENQUEUE_OPTIONS), { ours, words }, args.join(' '));
  assert.equal(normalise(['2', '--force', 'ls', '-la'], { force: { type: 'boolean' } }, 1), ['2', '--force', '--', 'ls', '-la']);
  assert.equal(commandFirst(['--root', '/r', 'tasks-enqueue', 'ls', '-la']), ['tasks-enqueue', '--root', '/r', 'ls', '-la']);
  assert.equal(commandFirst(['--root=/r', 'run-all', 'x']), ['run-all', '--root=/r', 'x']);
  assert.equal(commandFirst(['tasks-enqueue', '--root', '/r', 'ls']), ['tasks-enqueue', '--root', '/r', 'ls']);
  assert.equal(commandFirst(['--version']), ['--version']);
});

T('--root before the command name: the command is split the same way', async ({ root }) => {
  const r = await cli(['--root', root, 'tasks-enqueue', '-i', 'g1', 'ls', '-la', '-p', '3'], { env: testEnv(undefined) });
  assert.is(r.code, 0, r.stderr);
  assert.is(cmdOf(root, 'g1'), 'ls -la -p 3');
});

T('tasks-enqueue printf %s| -p 5 -l x runs printf with those arguments', async ({ root }) => {
  const r = await run(root, 'tasks-enqueue', '-i', 'pf', 'printf', '%s|', '-p', '5', '-l', 'x');
  assert.is(r.code, 0, r.stderr);
  assert.is(cmdOf(root, 'pf'), "printf '%s|' -p 5 -l x");
  const g = await run(root, 'tasks-enqueue', '-i', 'gr', 'grep', '-r', '-c', 'x', '/dev/null');
  assert.is(g.code, 0, g.stderr);
  const w = await run(root, 'worker', '--until-empty');
  assert.is(w.code, 0, w.stderr);
  assert.is(fs.readFileSync(path.join(root, 'logs', 'pf.out'), 'utf8'), '-p|5|-l|x|');
  assert.is(fs.readFileSync(path.join(root, 'logs', 'gr.out'), 'utf8'), '0\n', 'grep ran with -r -c');
});

T('options before the command still apply; the same words after it do not', async ({ root }) => {
  const r = await run(root, 'tasks-enqueue', '-i', 's1', '-p', '7', 'sort', '-p', '5', 'file');
  assert.is(r.code, 0, r.stderr);
  assert.is(cmdOf(root, 's1'), 'sort -p 5 file');
  assert.ok(names(root, 'queue')[0].startsWith('1993-'), 'priority 7');
});

T('the full CLI (yargs) splits the same way: --help after the command is the command\'s', async ({ root }) => {
  const r = await run(root, 'tasks-enqueue', '-i', 'h1', 'ls', '--help');
  assert.is(r.code, 0, r.stderr);
  assert.is(cmdOf(root, 'h1'), 'ls --help');
  const help = await run(root, 'tasks-enqueue', '--help');
  assert.match(help.stdout, /Examples:/);
});

T.run();
