/** logs search: one search over task, pane and agent logs, newest first, with exact line numbers. */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, needingPerl, tempDir, testEnv } from '../helpers.js';
import { pipeCommand } from '../../src/session/logs.js';
import { rememberPaneLogDir } from '../../src/ops/log-files.js';

const test = needingPerl(suite<{ dir: string; root: string; env: NodeJS.ProcessEnv }>('logs search'), 'logs search');
test.before.each(async (ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tasks');
  ctx.env = testEnv(ctx.root);
  assert.is((await cli(['tasks-init'], { env: ctx.env })).code, 0);
});
test.after.each((ctx) => cleanup(ctx.dir));

const age = (file: string, secondsAgo: number) => {
  const t = Date.now() / 1000 - secondsAgo;
  fs.utimesSync(file, t, t);
};

test('finds a line in a task log (run by a worker), a pane log and an agent log, newest first, with filters', async (ctx) => {
  const { env, root } = ctx;
  const a = (await cli(['tasks-enqueue', '-l', 'nightly', '--', 'printf "one\\nneedle in task a\\nthree\\n"; echo "needle on stderr" >&2'], { env })).stdout.trim();
  const b = (await cli(['tasks-enqueue', '--', 'seq 1 5; echo needle in task b'], { env })).stdout.trim();
  assert.is((await cli(['worker', '--until-empty'], { env })).code, 0);
  // A pane log written by the real writer, in a directory logs-on recorded.
  const panes = path.join(ctx.dir, 'pipes');
  fs.mkdirSync(panes);
  rememberPaneLogDir(root, panes);
  execFileSync('sh', ['-c', pipeCommand(path.join(panes, 'agents.workers.worker-0.log'), { maxBytes: 0, keep: 5 })], { input: 'x\ny\nthe needle in a pane\n' });
  fs.mkdirSync(path.join(root, 'agent-logs'));
  fs.writeFileSync(path.join(root, 'agent-logs', 'pm1.log'), 'hello\nneedle from pm1\n');
  age(path.join(root, 'logs', `${a}.out`), 400);
  age(path.join(root, 'logs', `${a}.err`), 300);
  age(path.join(root, 'logs', `${b}.out`), 200);
  age(path.join(panes, 'agents.workers.worker-0.log'), 100);

  const all = await cli(['logs', 'search', 'needle'], { env });
  assert.is(all.code, 0, all.stderr);
  assert.equal(all.stdout.split('\n').filter(Boolean), [
    'agent/pm1:2:needle from pm1',
    /agents.workers.worker-0.log:3:\S+Z the needle in a pane/.exec(all.stdout)![0],
    `${b}:6:needle in task b`,
    `${a}.err:1:needle on stderr`,
    `${a}:2:needle in task a`,
  ]);
  const only = async (...args: string[]) => (await cli(['logs', 'search', ...args], { env })).stdout.split('\n').filter(Boolean);
  assert.equal(await only('needle', '--task', b), [`${b}:6:needle in task b`]);
  assert.equal(await only('needle', '--label', 'nightly'), [`${a}.err:1:needle on stderr`, `${a}:2:needle in task a`]);
  assert.equal(await only('needle', '--agent', 'pm1'), ['agent/pm1:2:needle from pm1']);
  assert.equal((await only('needle', '--panes')).length, 1);
  assert.equal((await only('needle', '--tasks', '--agents')).length, 4);
  assert.equal(await only('needle', '--since', '150s', '--tasks'), []);
  assert.equal(await only('NEEDLE IN TASK [AB]', '-i', '-m', '1'), [`${b}:6:needle in task b`]);
  assert.equal(await only('^needle (in|on) ', '--tasks'), [`${b}:6:needle in task b`, `${a}.err:1:needle on stderr`, `${a}:2:needle in task a`]);
  const json = JSON.parse((await cli(['logs', 'search', '-F', 'needle from', '--json'], { env })).stdout);
  assert.equal(json, [{ kind: 'agent', name: 'pm1', file: path.join(root, 'agent-logs', 'pm1.log'), line: 2, text: 'needle from pm1' }]);
  const none = await cli(['logs', 'search', 'no such words'], { env });
  assert.equal([none.code, none.stdout, none.stderr], [1, '', '']);
  const bad = await cli(['logs', 'search', '(unclosed'], { env });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /not a valid regular expression/);
  assert.is(bad.stderr.trim().split('\n').length, 1);
});

test('line numbers are exact across chunk boundaries of a large log; a line split by a chunk is found whole', async (ctx) => {
  const lines: string[] = [];
  for (let i = 1; i <= 300_000; i++) lines.push(i % 100_000 === 0 ? `mark ${i} ${'x'.repeat(50)}` : `line ${i}`);
  fs.writeFileSync(path.join(ctx.root, 'logs', 'big.out'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(ctx.root, 'logs', 'big.err'), 'no final newline mark');
  const r = await cli(['logs', 'search', 'mark', '--tasks'], { env: ctx.env });
  const got = r.stdout.split('\n').filter(Boolean).sort();
  assert.equal(got, ['big.err:1:no final newline mark', ...[100000, 200000, 300000].map((n) => `big:${n}:mark ${n} ${'x'.repeat(50)}`)].sort());
  const re = await cli(['logs', 'search', '^mark [0-9]+ x+$', '--tasks'], { env: ctx.env });
  assert.is(re.stdout.split('\n').filter(Boolean).length, 3);
});

test.run();
