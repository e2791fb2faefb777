/** The Redis backend's URL, as a table: what each URL connects to, and what is refused and why. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBackend } from '../../src/redis/connect.ts';
import { bullPriority, dirOf, jobId, queueName, taskId } from '../../src/redis/queue.ts';
import { OrcError } from '../../src/errors.ts';

const OK: Array<[string, { host: string; port: number; db: number; queue: string; tls: boolean; where: string; password?: string }]> = [
  ['redis://127.0.0.1:6390', { host: '127.0.0.1', port: 6390, db: 0, queue: 'tmux-orc', tls: false, where: 'redis://127.0.0.1:6390' }],
  ['redis://cache/3?queue=builds', { host: 'cache', port: 6379, db: 3, queue: 'builds', tls: false, where: 'redis://cache/3?queue=builds' }],
  ['redis://[::1]:6390/1', { host: '::1', port: 6390, db: 1, queue: 'tmux-orc', tls: false, where: 'redis://[::1]:6390/1' }],
  ['rediss://:s3cr%40t@h:6380/0', { host: 'h', port: 6380, db: 0, queue: 'tmux-orc', tls: true, where: 'rediss://:***@h:6380/0', password: 's3cr@t' }],
];
for (const [url, want] of OK) {
  test(`backend ${url}`, () => {
    const b = parseBackend(url);
    assert.is(b.options.host, want.host);
    assert.is(b.options.port, want.port);
    assert.is(b.options.db, want.db);
    assert.is(b.queue, want.queue);
    assert.is(!!b.options.tls, want.tls);
    assert.is(b.where, want.where);
    assert.is(b.options.password, want.password);
  });
}

const BAD: Array<[string, RegExp]> = [
  ['localhost:6379', /only redis:\/\/ and rediss:\/\//],
  ['http://x', /only redis:\/\/ and rediss:\/\//],
  ['not a url', /expected redis:\/\/host:port/],
  ['redis://h/zero', /must be a database number/],
  ['redis://h/0?queue=a:b', /queue= must be/],
];
for (const [url, why] of BAD) {
  test(`backend ${url} is refused`, () => {
    try {
      parseBackend(url);
      assert.unreachable('accepted');
    } catch (err) {
      assert.instance(err, OrcError);
      assert.is((err as OrcError).code, 'usage');
      assert.match((err as Error).message, why);
    }
  });
}

test('task IDs as job IDs, priorities, states and label queues', () => {
  assert.is(jobId('123'), '=123'); // BullMQ refuses integer-looking IDs
  assert.is(taskId(jobId('a.b-c')), 'a.b-c');
  assert.ok(bullPriority(1000) < bullPriority(0) && bullPriority(0) < bullPriority(-1000)); // higher first
  assert.is(bullPriority(1000), 1); // BullMQ's lowest priority number is 1
  assert.equal(['wait', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'unknown'].map(dirOf), ['queue', 'queue', 'queue', 'running', 'done', 'failed', undefined]);
  const b = parseBackend('redis://h/0?queue=q');
  assert.is(queueName(b), 'q');
  assert.is(queueName(b, 'gpu: big'), `q.label.${Buffer.from('gpu: big').toString('base64url')}`);
  assert.not.match(queueName(b, 'a:b'), /:/);
});

test('an OrcError from another copy of the module is still an OrcError', () => {
  const foreign = Object.assign(new Error('x'), { code: 'usage' });
  assert.not.instance(foreign, OrcError);
  (foreign as unknown as Record<symbol, boolean>)[Symbol.for('tmux-orc.OrcError')] = true;
  assert.instance(foreign, OrcError);
});

test.run();
