/** Pane logs rotate by size between two lines: under a flood no line is lost, split or repeated at a seam. */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, needingPerl, tempDir, testEnv, tmuxSocket, waitFor } from '../helpers.js';
import { pipeCommand } from '../../src/session/logs.js';
import { rememberPaneLogDir } from '../../src/ops/log-files.js';

const test = needingPerl(suite<{ dir: string; sock?: string }>('pane logs'), 'pane logs');
test.before.each((ctx) => {
  ctx.dir = tempDir();
});
test.after.each((ctx) => {
  if (ctx.sock) killTmux(ctx.sock);
  cleanup(ctx.dir);
});

/** The lines of FILE.N … FILE.1, FILE (oldest first), stamps removed; and each file's size. */
function readRotated(file: string): { lines: string[]; sizes: number[] } {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const rotated = fs.readdirSync(dir).filter((n) => n.startsWith(`${base}.`)).map((n) => Number(n.slice(base.length + 1))).sort((a, b) => b - a);
  const files = [...rotated.map((n) => `${file}.${n}`), file];
  const lines: string[] = [];
  const sizes: number[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    sizes.push(text.length);
    assert.ok(text === '' || text.endsWith('\n'), `${f} ends with a whole line`);
    for (const l of text.split('\n').slice(0, -1)) {
      assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
      lines.push(l.slice(21));
    }
  }
  return { lines, sizes };
}

test('the writer under a flood of 200,000 lines at 16KiB a file: every line once, in order, no file past the size', async (ctx) => {
  const file = path.join(ctx.dir, 'flood.log');
  const child = spawn('sh', ['-c', `seq 1 200000 | ${pipeCommand(file, { maxBytes: 16384, keep: 1000 })}`], { stdio: 'ignore' });
  const code = await new Promise((r) => child.on('close', r));
  assert.is(code, 0);
  const { lines, sizes } = readRotated(file);
  assert.is(lines.length, 200000);
  for (let i = 0; i < lines.length; i++) if (lines[i] !== String(i + 1)) assert.unreachable(`line ${i + 1} is ${JSON.stringify(lines[i])}`);
  assert.ok(sizes.length > 100, `${sizes.length} files`);
  assert.ok(Math.max(...sizes) <= 16384);
});

test('keep N: only the newest N rotated files stay', async (ctx) => {
  const file = path.join(ctx.dir, 'k.log');
  const child = spawn('sh', ['-c', `seq 1 20000 | ${pipeCommand(file, { maxBytes: 8192, keep: 3 })}`], { stdio: 'ignore' });
  await new Promise((r) => child.on('close', r));
  assert.equal(fs.readdirSync(ctx.dir).sort(), ['k.log', 'k.log.1', 'k.log.2', 'k.log.3']);
  const { lines } = readRotated(file);
  assert.is(lines.at(-1), '20000');
  for (let i = 1; i < lines.length; i++) assert.is(Number(lines[i]), Number(lines[i - 1]) + 1);
});

test('logs-on --max-size --keep on a real pane: a flood rotates without a lost line at any seam', async (ctx) => {
  ctx.sock = tmuxSocket('pl');
  const env = testEnv(path.join(ctx.dir, 'root'), { TMUX_SOCKET: ctx.sock, WORKERS: '1', HOME: ctx.dir, HISTFILE: '', LANG: 'C.UTF-8' });
  assert.is((await cli(['init', '1'], { env, cwd: ctx.dir })).code, 0);
  const on = await cli(['logs-on', '--max-size', '32KiB', '--keep', '500'], { env, cwd: ctx.dir });
  assert.is(on.code, 0, on.stderr);
  const bad = await cli(['logs-on', '--max-size', 'huge'], { env, cwd: ctx.dir });
  assert.is(bad.code, 2);
  assert.is((await cli(['run-one', '0', 'seq 1 30000 | sed s/^/n/; echo flood-$((6*7))-done'], { env, cwd: ctx.dir })).code, 0);
  const file = path.join(ctx.dir, 'logs/tmux/agents/pipes/agents.workers.worker-0.log');
  // The flood's end, once all is written (a check of only the newest file: it rotates meanwhile).
  await waitFor('the flood in the log', () => /Z flood-42-done\r?\n/.test(fs.readFileSync(file, 'utf8')), 30_000);
  const { lines, sizes } = readRotated(file);
  // What the terminal shows of a line: escape sequences (bracketed paste off) and carriage returns aside.
  const shown = (l: string) => l.replace(/\x1b\[[?0-9;]*[A-Za-z]/g, '').split('\r').filter(Boolean).pop() ?? '';
  const numbers = lines.map((l) => /^n(\d+)$/.exec(shown(l))?.[1]).filter((x): x is string => !!x).map(Number);
  assert.is(numbers.length, 30000, 'every line of the flood is in the logs');
  for (let i = 0; i < numbers.length; i++) if (numbers[i] !== i + 1) assert.unreachable(`line ${i + 1} is n${numbers[i]}`);
  assert.ok(sizes.length > 5, `${sizes.length} files`);
  assert.ok(Math.max(...sizes) <= 32768);
});

test('tasks-clean prunes pane and agent logs older than its age; a writer whose file went makes it again', async (ctx) => {
  const root = path.join(ctx.dir, 'root');
  const env = testEnv(root);
  assert.is((await cli(['tasks-init'], { env })).code, 0);
  const panes = path.join(ctx.dir, 'pipes');
  fs.mkdirSync(panes);
  rememberPaneLogDir(root, panes);
  fs.mkdirSync(path.join(root, 'agent-logs'));
  const old = Date.now() / 1000 - 3 * 3600;
  const files = ['pipes/a.master.1.log.1', 'root/agent-logs/pm.log.2', 'root/agent-logs/pm.log'].map((f) => path.join(ctx.dir, f));
  for (const f of files) {
    fs.writeFileSync(f, 'old\n');
    fs.utimesSync(f, old, old);
  }
  const fresh = path.join(panes, 'a.master.1.log');
  // A live writer on the fresh log, its input held open.
  const child = spawn('sh', ['-c', pipeCommand(fresh, { maxBytes: 0, keep: 5 })], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.write('first\n');
  await waitFor('first line', () => fs.existsSync(fresh) && fs.readFileSync(fresh, 'utf8').includes('first'));
  fs.utimesSync(fresh, old, old);
  const dry = await cli(['tasks-clean', '--hours', '1', '--dry-run'], { env });
  assert.match(dry.stdout, /would remove 0 finished tasks \(0 done, 0 failed\) and their logs; 4 pane and agent log files older than 1 h\n$/);
  assert.ok(files.every((f) => fs.existsSync(f)));
  const r = await cli(['tasks-clean', '--hours', '1'], { env });
  assert.match(r.stdout, /removed 0 finished tasks .*; 4 pane and agent log files older than 1 h\n$/);
  assert.ok(!files.some((f) => fs.existsSync(f)) && !fs.existsSync(fresh));
  child.stdin.write('second\n');
  await waitFor('the log made again', () => fs.existsSync(fresh) && fs.readFileSync(fresh, 'utf8').includes('second'));
  child.stdin.end();
  await new Promise((res) => child.on('close', res));
  assert.match(fs.readFileSync(fresh, 'utf8'), /^\S+Z second\n$/);
  const none = await cli(['tasks-clean'], { env });
  assert.is(none.stdout, 'removed 0 finished tasks (0 done, 0 failed) and their logs\n', 'the line is unchanged when no pane log goes');
});

test.run();
