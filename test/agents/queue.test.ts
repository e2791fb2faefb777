/**
 * Agent work queues end to end: the real CLI, a real tmux server, the fake agent (which works on a
 * turn for `work N` seconds, then runs the `tmux-orc done ID ...` line it was given) and the real
 * dispatcher in its window.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, tmux, waitFor } from '../helpers.ts';
import { oneLine, received, run, setup, spawnFake, teardown, type Ctx } from './fixture.ts';
import { find, readTask, tree } from '../../src/queue/tree.ts';
import { judge } from '../../src/queue/recover.ts';
import { last } from '../../src/persist/codec.ts';

const T = suite<Ctx>('agent work queue');
// Short status timing, so an agent counts as idle about 1.5 s after its prompt is back.
T.before.each((ctx) => setup(ctx, { TMUX_ORC_AGENT_QUIET: '1s', TMUX_ORC_AGENT_DEBOUNCE: '500ms' }));
T.after.each((ctx) => {
  try {
    teardown(ctx);
  } catch {
    // A report or a dispatcher tick was still finishing (a lock released, a status written) as
    // the server went down: what is left of them is gone in a moment.
    fs.rmSync(ctx.dir!, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});

async function assign(ctx: Ctx, ...args: string[]): Promise<string> {
  const r = await run(ctx, ['assign', ...args]);
  assert.is(r.code, 0, `assign ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Where a task is and what its file says now. */
function task(ctx: Ctx, id: string) {
  const f = find(tree(ctx.root), id);
  const r = f && readTask(f.file);
  return f && r?.ok ? { dir: f.dir, name: f.name, t: r.task, note: last(r.task.fields, 'NOTE'), delivered: last(r.task.fields, 'DELIVERED') } : undefined;
}

const until = (ctx: Ctx, what: string, check: () => unknown, ms = 30_000) =>
  waitFor(what, check, ms, 50).catch((err) => {
    throw new Error(`${(err as Error).message}\nreceived: ${JSON.stringify(received(ctx))}\n${tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:dispatcher').trim()}`);
  });

/** The turns delivered to the agent (not its own report lines), by their first line. */
const turns = (ctx: Ctx) => received(ctx).filter((m) => m.includes('tmux-orc done')).map((m) => m.split('\n')[0]);

T('two tasks: the second is typed only after the first was reported; its note is kept; agent status shows the queue', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, 'eng1', 'work 3: first');
  const b = await assign(ctx, 'eng1', 'work 1: second');
  await until(ctx, 'first delivered', () => task(ctx, a)?.delivered);
  const st = JSON.parse((await run(ctx, ['agent', 'status', 'eng1', '--json'])).stdout) as { task?: string; queued: number };
  assert.equal([st.task, st.queued], [a, 1]);
  assert.is(task(ctx, b)?.dir, 'queue', 'the second waits while the first is worked on');
  await until(ctx, 'both done', () => task(ctx, b)?.dir === 'done');
  const log = received(ctx);
  const reportA = log.findIndex((m) => m.startsWith(`[report] ${a}`));
  const deliverB = log.findIndex((m) => m.startsWith('work 1: second'));
  assert.ok(reportA >= 0 && deliverB > reportA, `B delivered after A's report: ${JSON.stringify(log)}`);
  assert.match(log[0], new RegExp(`\\n\\nWhen you are finished, report with: tmux-orc done ${a} "<one-line result>"`));
  assert.is(task(ctx, a)?.note, 'did: work 3: first');
  const list = await run(ctx, ['tasks-list', 'done']);
  assert.match(list.stdout, new RegExp(`${a}\\s+done\\s+done\\s+\\S+\\s+1\\s+did: work 3: first\\s+agent:eng1`));
  const tail = await run(ctx, ['tasks-tail', a]);
  assert.match(tail.stdout, /delivered to eng1 \(attempt 1\)/);
  assert.match(tail.stdout, /eng1 reported done: did: work 3: first/);
});

T('priority, then FIFO; --after a shell task that a real worker runs (and workers never claim agent turns)', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const build = (await run(ctx, ['tasks-enqueue', '--id', 'build', '--', 'sleep 1'])).stdout.trim();
  assert.is(build, 'build');
  const dep = await assign(ctx, 'eng1', '--after', 'build', '--priority', '9', 'work 0.2: after build');
  assert.is((await run(ctx, ['tasks-enqueue', '--id', 'broken', '--', 'exit 3'])).code, 0);
  const doomed = await assign(ctx, 'eng1', '--after', 'broken', '--priority', '9', 'work 0.2: never');
  const hold = await assign(ctx, 'eng1', 'work 6: hold');
  await until(ctx, 'hold delivered', () => task(ctx, hold)?.delivered);
  await assign(ctx, 'eng1', 'work 0.2: low-1');
  await assign(ctx, 'eng1', '--priority', '5', 'work 0.2: high');
  await assign(ctx, 'eng1', 'work 0.2: low-2');
  await run(ctx, ['tasks-enqueue', '--agent', 'eng1', '--priority', '5', '--', 'work', '0.2:', 'high-2']);
  const worker = start(['worker', '--id', 'w0'], { env: ctx.env, cwd: ctx.dir });
  await until(ctx, 'all six turns done', () => turns(ctx).length === 6 && fs.readdirSync(tree(ctx.root).dir('queue')).length === 0 && fs.readdirSync(tree(ctx.root).dir('running')).length === 0, 45_000);
  worker.kill('SIGTERM');
  assert.equal([task(ctx, doomed)?.dir, task(ctx, doomed)?.t.reason], ['failed', 'dependency-failed: broken failed']);
  assert.equal(turns(ctx), ['work 6: hold', 'work 0.2: after build', 'work 0.2: high', 'work 0.2: high-2', 'work 0.2: low-1', 'work 0.2: low-2']);
  const b = task(ctx, 'build')!;
  assert.is(b.dir, 'done');
  assert.ok(Date.parse(task(ctx, dep)!.delivered!) >= b.t.finished!, 'delivered once build was done');
  assert.not.match(worker.out(), /work 0\.2/, 'the shell worker ran no agent turn');
});

T('--timeout interrupts the agent (Escape) and fails the turn with reason timeout; the next is delivered; cancel of a held turn', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const long = await assign(ctx, 'eng1', '--timeout', '2s', 'work 60: too long');
  const next = await assign(ctx, 'eng1', 'work 60: next');
  await until(ctx, 'timed out', () => task(ctx, long)?.dir === 'failed');
  const t = task(ctx, long)!;
  assert.is(t.t.status, 'timeout');
  assert.match(t.t.reason ?? '', /^timeout after 2s/);
  await until(ctx, 'the next delivered', () => task(ctx, next)?.delivered);
  assert.match(tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:eng1'), /Interrupted\./);
  assert.not.ok(received(ctx).some((m) => m.startsWith(`[report] ${long}`)), 'the interrupted turn never reported');
  const c = await run(ctx, ['tasks-cancel', next]);
  assert.is(c.code, 0, c.stderr);
  assert.equal([task(ctx, next)?.dir, task(ctx, next)?.t.status], ['failed', 'cancelled']);
});

T('the agent dies holding a turn: it goes back to the queue (attempt 2), is delivered again once revived; never left in running/', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  // The turn must wait for the revived agent's prompt: typed while the new pane still ran its
  // shell, it was split at its blank line (the dispatcher once took the old agent's idle for the new one's).
  const a = await assign(ctx, 'eng1', 'work 2: survive');
  await until(ctx, 'delivered', () => task(ctx, a)?.delivered);
  tmux(ctx.sock, 'kill-window', '-t', 'team:eng1');
  await until(ctx, 'requeued', () => task(ctx, a)?.dir === 'queue');
  assert.is(task(ctx, a)!.t.attempt, 2);
  assert.match(task(ctx, a)!.t.reason ?? '', /agent:eng1/);
  const r = await run(ctx, ['agent', 'revive', 'eng1']);
  assert.is(r.code, 0, r.stderr);
  await until(ctx, 'done once revived', () => task(ctx, a)?.dir === 'done');
  const given = turns(ctx);
  assert.equal(given, ['work 2: survive', 'work 2: survive']);
  assert.is(task(ctx, a)!.t.attempt, 2);
});

T('--wait is a handoff: prints the note, exit 0 done / 1 failed; refusals: unknown agent, not your task, nothing held', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  await spawnFake(ctx, 'eng2');
  let r = await run(ctx, ['assign', '--wait', 'eng1', 'work 0.5: hand it over']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^t\w+\ndid: work 0\.5: hand it over\n$/);
  r = await run(ctx, ['assign', 'eng1', '--wait', '--', 'work 0.5: please fail']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /failed: reported failed: did: work 0\.5: please fail/);
  oneLine(await run(ctx, ['assign', 'nobody', 'do it']), 3, /no agent "nobody"/);
  oneLine(await run(ctx, ['assign', 'eng1', '--after', 'nope', 'x']), 3, /--after: no task nope/);
  oneLine(await run(ctx, ['assign', 'eng1']), 2, /empty task/);
  oneLine(await run(ctx, ['tasks-enqueue', '--agent', 'eng1', '--hold', '--', 'x']), 2, /--hold cannot be used with --agent/);
  const held = await assign(ctx, 'eng1', 'work 60: mine');
  await until(ctx, 'held', () => task(ctx, held)?.delivered);
  const as2 = { ...ctx, env: { ...ctx.env, ORC_AGENT: 'eng2' } };
  oneLine(await run(as2, ['done', held, 'stolen']), 4, new RegExp(`task ${held} is eng1's, not yours \\(eng2\\)`));
  oneLine(await run(as2, ['done']), 4, /agent eng2 holds no task now/);
  oneLine(await run({ ...ctx, env: { ...ctx.env, ORC_AGENT: '' } }, ['done', 'whatever']), 2, /which task\?/);
  oneLine(await run(ctx, ['done', 'tzzzz', 'x']), 3, /no task tzzzz/);
  assert.is(task(ctx, held)?.dir, 'running', 'refusals touched nothing');
});

T('an agent waiting for input gets no work; --done-on-idle settles a turn the agent never reports', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  assert.is((await run(ctx, ['send', 'eng1', '/permission'])).code, 0);
  const a = await assign(ctx, 'eng1', '--done-on-idle', '1s', 'work 1: no report');
  const until1 = Date.now() + 4000;
  while (Date.now() < until1) {
    assert.is(task(ctx, a)?.dir, 'queue', 'not given while a question is on screen');
    await new Promise((r) => setTimeout(r, 250));
  }
  tmux(ctx.sock, 'send-keys', '-t', 'team:eng1', '1');
  await until(ctx, 'settled on idle', () => task(ctx, a)?.dir === 'done');
  assert.equal([task(ctx, a)?.note, turns(ctx)], ['(settled on idle after 1s)', ['work 1: no report']]);
  assert.not.ok(received(ctx).some((m) => m.startsWith('[report]')));
});

T('the dispatcher SIGKILLed while a turn is held: the turn stays held, is not typed twice, and the next one follows', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, 'eng1', 'work 4: keep');
  const b = await assign(ctx, 'eng1', 'work 0.5: then');
  await until(ctx, 'delivered', () => task(ctx, a)?.delivered);
  const panePid = tmux(ctx.sock, 'display-message', '-p', '-t', 'team:dispatcher', '#{pane_pid}').trim();
  const node = execFileSync('pgrep', ['-P', panePid, 'node'], { encoding: 'utf8' }).trim().split('\n')[0];
  process.kill(Number(node), 'SIGKILL');
  const t = tree(ctx.root);
  assert.is(judge(t, task(ctx, a)!.name).kind, 'alive', 'still held: its holder is not the dispatcher');
  await until(ctx, 'a new dispatcher', () => {
    const pids = execFileSync('pgrep', ['-P', panePid, 'node'], { encoding: 'utf8' }).trim();
    return pids !== '' && pids !== node;
  });
  await until(ctx, 'both done', () => task(ctx, b)?.dir === 'done');
  assert.equal(turns(ctx), ['work 4: keep', 'work 0.5: then']);
  assert.is(task(ctx, a)?.dir, 'done');
});

T.run();
