/**
 * `tmux-orc mcp` over stdio with the SDK's own Client: the tools and their schemas, --read-only,
 * the task tools against a temp tree and a real worker, and errors that read as the CLI's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killAll, needingPerl, start, tempDir, testEnv } from '../helpers.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { ALL_TOOLS, call, ok, READ_ONLY_TOOLS, refused, stdioClient } from './fixture.ts';

interface Ctx {
  dir: string;
  root: string;
  env: NodeJS.ProcessEnv;
  closers: Array<() => Promise<void>>;
}

const T = suite<Ctx>('mcp stdio');
T.before.each((ctx) => {
  ctx.dir = tempDir('orc-mcp-');
  ctx.root = path.join(ctx.dir, 'tasks');
  ensureTree(tree(ctx.root));
  ctx.env = testEnv(undefined);
  ctx.closers = [];
});
T.after.each(async (ctx) => {
  for (const c of ctx.closers) await c().catch(() => undefined);
  killAll();
  cleanup(ctx.dir);
});

async function client(ctx: Ctx, ...more: string[]) {
  const c = await stdioClient(['--root', ctx.root, ...more], ctx.env, ctx.dir);
  ctx.closers.push(() => c.close());
  return c;
}

T('lists every tool with a description and a JSON schema; --read-only lists only the ones that change nothing', async (ctx) => {
  const c = await client(ctx);
  const { tools } = await c.listTools();
  assert.equal(tools.map((t) => t.name), ALL_TOOLS);
  for (const t of tools) {
    assert.ok((t.description ?? '').length > 30, `${t.name} has a description`);
    assert.is(t.inputSchema.type, 'object');
    assert.is(t.annotations?.readOnlyHint, READ_ONLY_TOOLS.includes(t.name), `${t.name} readOnlyHint`);
  }
  const enqueue = tools.find((t) => t.name === 'enqueue_task')!;
  assert.equal(enqueue.inputSchema.required, ['command']);
  assert.ok('after' in (enqueue.inputSchema.properties ?? {}));

  const ro = await client(ctx, '--read-only');
  assert.equal((await ro.listTools()).tools.map((t) => t.name), READ_ONLY_TOOLS);
  // A hidden tool cannot be called either, and nothing was queued.
  const r = await call(ro, 'enqueue_task', { command: 'touch x' });
  assert.ok(r.isError);
  assert.match(r.text, /enqueue_task not found/);
  assert.equal(fs.readdirSync(tree(ctx.root).dir('queue')), []);
});

needingPerl(T, 'task tools with a real worker')('task tools with a real worker: enqueue, wait, get (with log tail), list, retry, cancel', async (ctx) => {
  const c = await client(ctx);
  const { id } = await ok(c, 'enqueue_task', { command: ['bash', '-c', 'echo "out $1"; echo err >&2', 'x', 'one two'], id: 'hello', label: 'demo', env: ['GREETING=hi'], timeout: '1m' });
  assert.is(id, 'hello');
  const failing = (await ok(c, 'enqueue_task', { command: 'exit 3', after: ['hello'] })).id as string;
  // Nothing runs yet: a bounded wait returns the task as it is, not a hang.
  const early = await ok(c, 'wait_task', { id, timeout: '300ms' });
  assert.is(early.ended, false);
  assert.is(early.state, 'queue');
  assert.is(early.status, 'ready');

  start(['worker', '--root', ctx.root, '--id', '0'], { env: ctx.env, cwd: ctx.dir });
  const done = await ok(c, 'wait_task', { id, timeout: '30s' });
  assert.equal([done.ended, done.dir, done.exitCode], [true, 'done', 0]);
  assert.match(done.message, /^hello: done in /);
  const shown = await ok(c, 'get_task', { id });
  assert.equal([shown.state, shown.status, shown.label, shown.exit, shown.env, shown.timeout, shown.cwd], ['done', 'done', 'demo', 0, ['GREETING=hi'], '1m', ctx.dir]);
  assert.is(shown.logs.stdout, 'out one two\n');
  assert.is(shown.logs.stderr, 'err\n');

  const failed = await ok(c, 'wait_task', { id: failing, timeout: 30 });
  assert.equal([failed.ended, failed.dir, failed.exitCode], [true, 'failed', 3]);
  const listed = await ok(c, 'list_tasks', { state: 'failed' });
  assert.is(listed.total, 1);
  assert.is(listed.tasks[0].id, failing);
  assert.is(listed.tasks[0].exit, 3);
  assert.equal(await ok(c, 'retry_task', { id: failing }), { retried: [failing] });
  const again = await ok(c, 'wait_task', { id: failing, timeout: '30s' });
  assert.is(again.exitCode, 3);
  assert.is((await ok(c, 'get_task', { id: failing, lines: 0 })).attempt, 2);

  const later = (await ok(c, 'enqueue_task', { command: 'touch never', in: '1h' })).id as string;
  const cancelled = await ok(c, 'cancel_task', { id: later });
  assert.equal(cancelled, { id: later, outcome: 'cancelled-queued', message: `${later} cancelled (was queued)` });
  assert.is((await ok(c, 'get_task', { id: later })).status, 'cancelled');
  assert.not.ok(fs.existsSync(path.join(ctx.dir, 'never')));
  assert.is((await ok(c, 'list_tasks', { state: 'all', limit: 1 })).tasks.length, 1);
});

T('errors are tool errors with the CLI\'s messages; bad arguments are refused before anything is written', async (ctx) => {
  const c = await client(ctx);
  const env = testEnv(ctx.root);
  // The CLI's line, less its prefix and the pointer to --help a usage error gets.
  const cliLine = async (...args: string[]) => {
    const r = await cli(args, { env });
    assert.ok(r.code !== 0 && r.stderr !== '', `the CLI refuses ${args.join(' ')}`);
    return r.stderr.trim().replace(/^tmux-orc: /, '').replace(/ \(see tmux-orc [a-z-]+ --help\)$/, '');
  };
  await refused(c, 'cancel_task', { id: 'nope' }, await cliLine('tasks-cancel', 'nope'));
  await refused(c, 'retry_task', { id: 'nope' }, await cliLine('tasks-retry', 'nope'));
  await refused(c, 'get_task', { id: '-x' }, /^invalid task ID "-x"/);
  await refused(c, 'enqueue_task', { command: 'true', cwd: path.join(ctx.dir, 'missing') }, await cliLine('tasks-enqueue', '--cwd', path.join(ctx.dir, 'missing'), 'true'));
  await refused(c, 'enqueue_task', { command: 'true', after: ['ghost'] }, await cliLine('tasks-enqueue', '--after', 'ghost', 'true'));
  await refused(c, 'enqueue_task', { command: 'true', timeout: 0 }, await cliLine('tasks-enqueue', '--timeout', '0', 'true'));
  await refused(c, 'enqueue_task', { command: 'true', in: 'soon' }, await cliLine('tasks-enqueue', '--in', 'soon', 'true'));
  await ok(c, 'enqueue_task', { command: 'true', id: 'twice' });
  await refused(c, 'enqueue_task', { command: 'true', id: 'twice' }, await cliLine('tasks-enqueue', '--id', 'twice', 'true'));
  await ok(c, 'enqueue_task', { command: 'true', unique: 'nightly', hold: true });
  await refused(c, 'enqueue_task', { command: 'true', unique: 'nightly' }, await cliLine('tasks-enqueue', '--unique', 'nightly', 'true'));
  await refused(c, 'wait_task', { id: 'twice', timeout: '11m' }, /over the 10m/);
  await refused(c, 'retry_task', {}, 'which task? give an ID, or --all-failed');
  // Schema violations are refused by the SDK, as tool errors.
  await refused(c, 'enqueue_task', { command: 42 }, /Input validation error/);
  await refused(c, 'list_tasks', { state: 'sideways' }, /Input validation error/);
  assert.is(fs.readdirSync(tree(ctx.root).dir('queue')).length, 1);
  assert.is(fs.readdirSync(path.join(ctx.root, 'held')).length, 1, 'the held one');
});

T('without a tree the server refuses to start, in one line with exit 3', async (ctx) => {
  const r = await cli(['mcp', '--root', path.join(ctx.dir, 'none')], { env: ctx.env });
  assert.is(r.code, 3);
  assert.match(r.stderr, /^tmux-orc: task tree \(.*none\): does not exist/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.is(r.stdout, '');
});

T.run();
