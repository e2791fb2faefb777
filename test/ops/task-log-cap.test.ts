/** task_log_max: a task printing far more than the cap keeps its head and its tail with one marker line, and ends done. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, exited, needingPerl, start, tempDir, testEnv, waitFor } from '../helpers.js';

const test = needingPerl(suite('task log cap'), 'task log cap');
let dir: string;
test.before.each(() => {
  dir = tempDir();
});
test.after.each(() => cleanup(dir));

const MARK = /\n?\[tmux-orc: (\d+) bytes dropped here[^\n]*\n/;

/** A capped log split at its known head size: head, the marker's count, tail. */
function split(log: string, headSize: number): { head: string; dropped: number; tail: string } {
  const head = log.slice(0, headSize);
  const m = MARK.exec(log.slice(headSize))!;
  assert.ok(m && m.index === 0, 'the marker follows the head');
  return { head, dropped: Number(m[1]), tail: log.slice(headSize + m[0].length) };
}

/** What `seq 1 N` prints, then END. */
const expected = (n: number) => {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) parts.push(`${i}\n`);
  return `${parts.join('')}END-OF-BUILD\n`;
};

test('5 MB under a 1 MiB cap: head, marker with the exact count, tail with the last line; done; tasks-tail says so', async () => {
  const root = path.join(dir, 'tasks');
  const env = testEnv(root, { TMUX_ORC_TASK_LOG_MAX: '1MiB' });
  assert.is((await cli(['tasks-init'], { env })).code, 0);
  const n = 800_000; // 5.5 MB
  const id = (await cli(['tasks-enqueue', '--', `seq 1 ${n}; echo END-OF-BUILD; echo on-stderr >&2`], { env })).stdout.trim();
  const w = await cli(['worker', '--until-empty'], { env, timeoutMs: 60_000 });
  assert.is(w.code, 0, w.stderr);
  const full = expected(n);
  assert.ok(full.length > 5_000_000);
  const log = fs.readFileSync(path.join(root, 'logs', `${id}.out`), 'latin1');
  assert.ok(log.length <= 1024 * 1024 + 65536, `log is ${log.length} bytes`);
  const m = MARK.exec(log)!;
  assert.ok(m, 'one marker line');
  assert.is(log.match(/\[tmux-orc: /g)!.length, 1);
  const { head, tail } = split(log, 512 * 1024);
  assert.ok(full.startsWith(head), 'the head is the start of the output');
  assert.ok(full.endsWith(tail), 'the tail is the end of the output');
  assert.ok(tail.length >= 128 * 1024 - 65536, `tail of ${tail.length} bytes`);
  assert.ok(tail.startsWith('') && /^\d/.test(tail) && full[full.length - tail.length - 1] === '\n', 'the tail starts at a line');
  assert.is(Number(m[1]), full.length - head.length - tail.length, 'the marker counts the dropped bytes');
  assert.is(fs.readFileSync(path.join(root, 'logs', `${id}.err`), 'utf8'), 'on-stderr\n');
  assert.equal(fs.readdirSync(path.join(root, 'logs')).sort(), [`${id}.err`, `${id}.out`], 'no leftover of the copy');

  const list = JSON.parse((await cli(['tasks-list', 'done', '--json'], { env })).stdout) as Array<{ id: string; status: string }>;
  assert.equal(list.map((t) => [t.id, t.status]), [[id, 'done']]);
  const t = await cli(['tasks-tail', id, '-n', '1'], { env });
  assert.is(t.stdout, 'END-OF-BUILD\n');
  assert.match(t.stderr, new RegExp(`${id}\\.out was capped \\(task_log_max\\): its first 524288 bytes and its end are kept, ${m[1]} bytes between them were dropped`));
});

test('under the cap nothing changes; a retry appends to a capped log and keeps counting', async () => {
  const root = path.join(dir, 'tasks');
  const env = testEnv(root, { TMUX_ORC_TASK_LOG_MAX: '64KiB' });
  assert.is((await cli(['tasks-init'], { env })).code, 0);
  const small = (await cli(['tasks-enqueue', '--', 'seq 1 1000'], { env })).stdout.trim();
  const big = (await cli(['tasks-enqueue', '--', 'seq 1 100000; exit 3'], { env })).stdout.trim();
  assert.is((await cli(['worker', '--until-empty'], { env })).code, 0);
  assert.is(fs.readFileSync(path.join(root, 'logs', `${small}.out`), 'utf8'), expected(1000).replace('END-OF-BUILD\n', ''));
  const first = Number(MARK.exec(fs.readFileSync(path.join(root, 'logs', `${big}.out`), 'latin1'))![1]);
  assert.is((await cli(['tasks-retry', big], { env })).code, 0);
  assert.is((await cli(['worker', '--until-empty'], { env })).code, 0);
  const log = fs.readFileSync(path.join(root, 'logs', `${big}.out`), 'latin1');
  assert.is(log.match(/\[tmux-orc: /g)!.length, 1, 'still one marker');
  const twice = expected(100000).replace('END-OF-BUILD\n', '').repeat(2);
  const { head, dropped, tail } = split(log, 32 * 1024);
  assert.ok(dropped > first);
  assert.is(dropped, twice.length - head.length - tail.length);
  assert.ok(twice.endsWith(tail) && twice.startsWith(head));
});

test('tasks-tail -f follows a log through its cuts: everything it prints is the output in order, with a note at each gap', async () => {
  const root = path.join(dir, 'tasks');
  const env = testEnv(root, { TMUX_ORC_TASK_LOG_MAX: '256k' });
  assert.is((await cli(['tasks-init'], { env })).code, 0);
  // The task waits until the follower has shown its first line: however slowly the follower
  // starts, every cut of the log happens while it follows.
  const go = path.join(dir, 'go');
  const id = (await cli(['tasks-enqueue', '--', `echo READY; while [ ! -e ${go} ]; do sleep 0.01; done; for i in $(seq 1 30); do seq 1 20000; sleep 0.02; done; echo END`], { env })).stdout.trim();
  const worker = cli(['worker', '--until-empty'], { env });
  const follower = start(['tasks-tail', '-f', id, '-n', '1'], { env });
  let stdout = '';
  follower.stdout!.setEncoding('latin1').on('data', (d: string) => (stdout += d));
  const closed = new Promise((res) => follower.on('close', res));
  await waitFor('the follower shows the first line', () => stdout.includes('READY\n'));
  fs.writeFileSync(go, '');
  assert.is((await exited(follower)).code, 0, follower.err());
  await closed;
  assert.is((await worker).code, 0);
  const parts = stdout.split(/\n?\[tmux-orc: \d+ (?:more )?bytes dropped here[^\n]*\]\n/);
  assert.ok(parts.length > 2, `cut ${parts.length - 1} times while followed`);
  let full = 'READY\n';
  for (let i = 0; i < 30; i++) full += expected(20000).replace('END-OF-BUILD\n', '');
  full += 'END\n';
  let at = 0;
  for (const p of parts.filter(Boolean)) {
    const i = full.indexOf(p, at);
    assert.ok(i >= 0, `printed text that is not the next part of the output: ${JSON.stringify(p.slice(0, 40))}`);
    at = i + p.length;
  }
  assert.ok(stdout.endsWith('END\n'));
});

test.run();
