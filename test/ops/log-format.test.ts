/** Structured logs: `worker --log-format json` (or log_format) writes one JSON object per event; the logger module for other processes. */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, needingPerl, tempDir, testEnv } from '../helpers.js';
import { createLogger, formatEvent } from '../../src/log/logger.js';
import { workerEvent } from '../../src/worker/pane.js';

const test = needingPerl(suite<{ dir: string }>('log format'), 'log format');
test.before.each((ctx) => {
  ctx.dir = tempDir();
});
test.after.each((ctx) => cleanup(ctx.dir));

const T = Date.UTC(2026, 0, 31, 9, 0, 0);

test('worker lines as events: the task and the level come from the line', () => {
  const table: Array<[string, string | undefined, string]> = [
    ['start t1.a (attempt 1): make test', 't1.a', 'info'],
    ['done t1.a: exit 0 in 2s', 't1.a', 'info'],
    ['failed b-2: exit 3 in 1s', 'b-2', 'warn'],
    ['timeout x: timeout after 5s in 5s', 'x', 'warn'],
    ['requeued (failed) r1: exit 1 in 1s', 'r1', 'info'],
    ['lost y: the task was taken over', 'y', 'warn'],
    ['recovered z (stale) → queue', 'z', 'info'],
    ['SIGINT: draining — finishing q9; press C-c again to cancel and requeue it', 'q9', 'info'],
    ['could not settle w (EIO); recovery will, once this worker is gone', 'w', 'error'],
    ['ready on /t; launcher perl', undefined, 'info'],
    ['error: boom', undefined, 'error'],
  ];
  for (const [text, task, level] of table) {
    const e = JSON.parse(workerEvent(text, '3', T));
    assert.equal(e, { time: '2026-01-31T09:00:00.000Z', level, component: 'worker', ...(task ? { task } : {}), message: text, worker: '3' }, text);
  }
});

test('createLogger: text by default, JSON on request, fields carried by a child', () => {
  const lines: string[] = [];
  const log = createLogger({ component: 'serve', format: 'json', write: (l) => lines.push(l), clock: () => T }).child({ request: 'r1' });
  log.warn('slow', { task: 't1', ms: 1200 });
  assert.equal(JSON.parse(lines[0]), { time: '2026-01-31T09:00:00.000Z', level: 'warn', component: 'serve', task: 't1', message: 'slow', request: 'r1', ms: 1200 });
  assert.is(formatEvent('text', T, 'info', 'serve', 'listening', { port: 7077 }), '09:00:00 serve listening port=7077\n');
  assert.is(formatEvent('text', T, 'error', 'serve', 'bad'), '09:00:00 serve error bad\n');
});

test('a real worker with --log-format json, or TMUX_ORC_LOG_FORMAT=json: every line an event; a bad format: exit 2', async (ctx) => {
  const root = path.join(ctx.dir, 'tasks');
  const env = testEnv(root);
  assert.is((await cli(['tasks-init'], { env })).code, 0);
  for (const [args, extra] of [[['--log-format', 'json'], {}], [[], { TMUX_ORC_LOG_FORMAT: 'json' }]] as const) {
    const id = (await cli(['tasks-enqueue', '--', 'echo task-output'], { env })).stdout.trim();
    const w = await cli(['worker', '--id', '5', '--until-empty', ...args], { env: { ...env, ...extra } });
    assert.is(w.code, 0, w.stderr);
    const lines = w.stdout.split('\n').filter(Boolean);
    const events = lines.filter((l) => l !== 'task-output').map((l) => JSON.parse(l));
    assert.ok(lines.includes('task-output'), "the task's own output is left as it is");
    assert.ok(events.every((e) => e.component === 'worker' && e.worker === '5' && /^\d{4}-\d\d-\d\dT/.test(e.time)));
    const mine = events.filter((e) => e.task === id).map((e) => e.message.split(' ')[0]);
    assert.equal(mine, ['start', 'done']);
  }
  const bad = await cli(['worker', '--until-empty', '--log-format', 'xml'], { env });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--log-format must be text or json, got "xml"/);
});

test.run();
