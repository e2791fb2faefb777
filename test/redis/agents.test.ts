/**
 * The agent work queue on the Redis backend, end to end: the real CLI with `--backend`, a real
 * tmux server on a private socket, the fake agent (which works on a turn for `work N` seconds and
 * then runs the `tmux-orc done ID ...` line it was given, in its window, where TASK_BACKEND is not
 * set: `done` finds the backend its session's dispatcher serves), the real dispatcher in its window
 * and a real redis-server. Judged by what the commands print (`tasks-list --json` from other
 * processes) and by what the agent received.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, tempDir, tmux, waitFor } from '../helpers.ts';
import { oneLine, received, run, setup, spawnFake, teardown, type Ctx } from '../agents/fixture.ts';
import { REDIS_MISSING, startRedis, type RedisServer } from './server.ts';
import { ok, stdioClient } from '../mcp/fixture.ts';

type RCtx = Ctx & { url: string };
const T = suite<RCtx>('agent work queue on Redis');
let redis: RedisServer | undefined;
let redisDir: string | undefined;
let n = 0;

T.before(async () => {
  if (REDIS_MISSING) return;
  redisDir = tempDir('orc-redis-agents-');
  redis = await startRedis(redisDir);
});
T.after(() => {
  redis?.stop();
  if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
});
// Short status timing, so an agent counts as idle about 1.5 s after its prompt is back.
T.before.each((ctx) => {
  setup(ctx, { TMUX_ORC_AGENT_QUIET: '1s', TMUX_ORC_AGENT_DEBOUNCE: '500ms' });
  ctx.url = redis ? redis.url(`agents${process.pid}x${n++}`) : '';
});
T.after.each((ctx) => {
  try {
    teardown(ctx);
  } catch {
    fs.rmSync(ctx.dir!, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});

// --backend first: after a command's `--` it would be a word of the command.
const orc = (ctx: RCtx, ...args: string[]) => run(ctx, ['--backend', ctx.url, ...args]);

async function assign(ctx: RCtx, ...args: string[]): Promise<string> {
  const r = await orc(ctx, 'assign', ...args);
  assert.is(r.code, 0, `assign ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

interface Row {
  id: string;
  state: string;
  status: string;
  attempt: number;
  note?: string;
  reason?: string;
  worker?: string;
}

/** A task as `tasks-list --json` shows it, from a process of its own. */
async function row(ctx: RCtx, id: string): Promise<Row | undefined> {
  const r = await orc(ctx, 'tasks-list', 'all', '--json');
  assert.is(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Row[]).find((x) => x.id === id);
}

async function until(ctx: RCtx, what: string, check: () => Promise<unknown>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}\nreceived: ${JSON.stringify(received(ctx))}\n${tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:dispatcher').trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The turns delivered to the agent (not its own report lines), by their first line. */
const turns = (ctx: Ctx) => received(ctx).filter((m) => m.includes('tmux-orc done')).map((m) => m.split('\n')[0]);

const skip = (name: string, f: (ctx: RCtx) => Promise<void>) => T(name, async (ctx) => {
  if (REDIS_MISSING) return console.log(`skipped: ${REDIS_MISSING}`);
  await f(ctx);
});

skip('assign → delivered to the idle agent → done settles it with its note; two turns one at a time, by priority', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, 'eng1', 'work 3: first');
  await until(ctx, 'first delivered', async () => turns(ctx).length === 1);
  const low = await assign(ctx, 'eng1', 'work 0.5: low');
  const high = await assign(ctx, 'eng1', '--priority', '5', 'work 0.5: high');
  const held = await row(ctx, a);
  assert.equal([held?.state, held?.worker?.endsWith('agent:eng1')], ['running', true], JSON.stringify(held));
  assert.is((await row(ctx, low))?.state, 'queue', 'the others wait while the first is worked on');
  // agent status (on the agents' host, without --backend) shows the turn held on Redis and those waiting.
  const st = JSON.parse((await run(ctx, ['agent', 'status', 'eng1', '--json'])).stdout) as { task?: string; queued: number };
  assert.equal([st.task, st.queued], [a, 2]);
  await until(ctx, 'all three done', async () => (await row(ctx, low))?.state === 'done', 45_000);
  assert.equal(turns(ctx), ['work 3: first', 'work 0.5: high', 'work 0.5: low']);
  const log = received(ctx);
  const reportA = log.findIndex((m) => m.startsWith(`[report] ${a}`));
  const deliverHigh = log.findIndex((m) => m.startsWith('work 0.5: high'));
  assert.ok(reportA >= 0 && deliverHigh > reportA, `the second delivered after the first's report: ${JSON.stringify(log)}`);
  const r = await row(ctx, a);
  assert.equal([r?.status, r?.attempt, r?.note], ['done', 1, 'did: work 3: first']);
  assert.is((await row(ctx, high))?.note, 'did: work 0.5: high');
  const tail = await orc(ctx, 'tasks-tail', a);
  assert.match(tail.stdout, /delivered to eng1 \(attempt 1\)/);
  assert.match(tail.stdout, /eng1 reported done: did: work 3: first/);
  // Nothing was kept on the tree: the turns are Redis's.
  assert.is(fs.readdirSync(`${ctx.root}/done`).length, 0);
});

skip('--wait prints the note (exit 0 done, 1 failed); --after a shell task waits for it (a real Redis worker, which never takes a turn)', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  let r = await orc(ctx, 'assign', '--wait', 'eng1', 'work 0.5: hand it over');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^t\w+\ndid: work 0\.5: hand it over\n$/);
  r = await orc(ctx, 'assign', 'eng1', '--wait', '--', 'work 0.5: please fail');
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /failed: reported failed: did: work 0\.5: please fail/);
  oneLine(await orc(ctx, 'assign', 'nobody', 'do it'), 3, /no agent "nobody"/);
  oneLine(await orc(ctx, 'assign', 'eng1', '--after', 'nope', 'x'), 3, /--after: no task nope/);
  assert.is((await orc(ctx, 'tasks-enqueue', '--id', 'build', '--', 'sleep 1')).code, 0);
  const dep = await assign(ctx, 'eng1', '--after', 'build', 'work 0.2: after build');
  const viaEnqueue = (await orc(ctx, 'tasks-enqueue', '--agent', 'eng1', '--', 'work', '0.2:', 'second')).stdout.trim();
  // And the other way: a shell task after a turn.
  assert.is((await orc(ctx, 'tasks-enqueue', '--id', 'post', '--after', dep, '--', 'true')).code, 0);
  const w = start(['worker', '--id', 'w0', '--backend', ctx.url], { env: ctx.env, cwd: ctx.dir });
  await until(ctx, 'both turns done', async () => (await row(ctx, dep))?.state === 'done' && (await row(ctx, viaEnqueue))?.state === 'done', 45_000);
  await until(ctx, 'the shell task after the turn done', async () => (await row(ctx, 'post'))?.state === 'done');
  const [post, turn] = [await row(ctx, 'post'), await row(ctx, dep)] as Array<Row & { started?: string; finished?: string }>;
  assert.ok(Date.parse(post.started!) >= Date.parse(turn.finished!), `post started after the turn was done: ${JSON.stringify([post, turn])}`);
  w.kill('SIGTERM');
  assert.is((await row(ctx, 'build'))?.state, 'done');
  const given = turns(ctx);
  assert.ok(given.indexOf('work 0.2: after build') >= 0 && given.includes('work 0.2: second'), JSON.stringify(given));
  assert.not.match(w.out(), /work 0\.2/, 'the shell worker ran no agent turn');
});

skip('cancel of a held turn: the agent is interrupted (Escape), the turn ends cancelled; the next is delivered', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const long = await assign(ctx, 'eng1', 'work 60: too long');
  const next = await assign(ctx, 'eng1', 'work 0.5: next');
  await until(ctx, 'delivered', async () => turns(ctx).length === 1 && (await row(ctx, long))?.state === 'running');
  // Refusals, from another agent's shell: one line, its exit code, nothing touched.
  const as2 = { ...ctx, env: { ...ctx.env, ORC_AGENT: 'eng2' } };
  oneLine(await orc(as2, 'done', long, 'stolen'), 4, new RegExp(`task ${long} is eng1's, not yours \\(eng2\\)`));
  oneLine(await orc(as2, 'done'), 4, /agent eng2 holds no task now/);
  oneLine(await orc(ctx, 'done', 'tzzzz', 'x'), 3, /no task tzzzz/);
  oneLine(await orc(ctx, 'done', next, 'x'), 4, new RegExp(`task ${next} is not being worked on`));
  assert.is((await row(ctx, long))?.state, 'running', 'refusals touched nothing');
  const c = await orc(ctx, 'tasks-cancel', long);
  assert.is(c.code, 0, c.stderr);
  assert.equal([(await row(ctx, long))?.state, (await row(ctx, long))?.status], ['failed', 'cancelled']);
  await until(ctx, 'the next done', async () => (await row(ctx, next))?.state === 'done');
  assert.match(tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:eng1'), /Interrupted\./);
  assert.not.ok(received(ctx).some((m) => m.startsWith(`[report] ${long}`)), 'the interrupted turn never reported');
});

skip('the agent dies holding a turn: back to the queue (attempt 2), delivered again once revived, then done', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, '--retries', '2', 'eng1', 'work 2: survive');
  await until(ctx, 'delivered', async () => turns(ctx).length === 1);
  tmux(ctx.sock, 'kill-window', '-t', 'team:eng1');
  await until(ctx, 'requeued', async () => (await row(ctx, a))?.state === 'queue');
  const q = (await row(ctx, a))!;
  assert.is(q.attempt, 2);
  // (A queued task's row carries no reason: its log says why it came back.)
  assert.match((await orc(ctx, 'tasks-tail', a)).stdout, /worker agent:eng1 \(pid \d+\) no longer holds it/);
  const r = await run(ctx, ['agent', 'revive', 'eng1']);
  assert.is(r.code, 0, r.stderr);
  await until(ctx, 'done once revived', async () => (await row(ctx, a))?.state === 'done');
  const given = turns(ctx);
  assert.ok(given.length >= 2 && given.length <= 3 && given.every((t) => t === 'work 2: survive'), JSON.stringify(given));
});

skip('--timeout interrupts and fails the turn; tasks-retry gives it to its agent again; a held and released turn stays in its agent\'s queue; health needs no worker for turns', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const slow = await assign(ctx, 'eng1', '--timeout', '1s', 'work 4: slow');
  await until(ctx, 'timed out', async () => (await row(ctx, slow))?.state === 'failed');
  assert.is((await row(ctx, slow))?.status, 'timeout');
  const later = await assign(ctx, 'eng1', '--in', '1h', 'work 0.2: later');
  assert.is((await orc(ctx, 'tasks-hold', later)).code, 0);
  assert.is((await row(ctx, later))?.state, 'held');
  assert.is((await orc(ctx, 'tasks-release', later)).code, 0);
  assert.is((await row(ctx, later))?.state, 'queue');
  // Released into its agent's queue, not a shell worker's: no worker is needed for it.
  const h = await orc(ctx, 'tasks-health', '--json');
  assert.is(h.code, 0, h.stdout + h.stderr);
  assert.is((await orc(ctx, 'tasks-retry', slow)).code, 0);
  await until(ctx, 'delivered again, and timed out again', async () => turns(ctx).length === 2 && (await row(ctx, slow))?.state === 'failed');
  assert.equal(turns(ctx), ['work 4: slow', 'work 4: slow']);
  assert.match(tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:eng1'), /Interrupted\./);
});

skip('Redis away: the dispatcher serves the tree\'s turns meanwhile, assign on Redis says so (exit 10), and the backend\'s turns go on once it is back', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const first = await assign(ctx, 'eng1', 'work 0.3: on redis');
  await until(ctx, 'the first done', async () => (await row(ctx, first))?.state === 'done');
  // A tree turn delivered while Redis is up: the dispatcher has seen that the first is settled (while
  // Redis is away it goes by the turns it last saw held: one at a time, whatever it cannot see).
  assert.is((await run(ctx, ['assign', 'eng1', 'work 0.3: on the tree'])).code, 0);
  await until(ctx, 'the tree\'s turn done', async () => fs.readdirSync(`${ctx.root}/done`).length === 1);
  redis!.kill();
  try {
    const onTree = await run(ctx, ['assign', 'eng1', 'work 0.3: on the tree, Redis away']);
    assert.is(onTree.code, 0, onTree.stderr);
    await until(ctx, 'the tree\'s turn done while Redis is away', async () => fs.readdirSync(`${ctx.root}/done`).length === 2);
    oneLine(await orc(ctx, 'assign', 'eng1', 'x'), 10, /cannot reach Redis/);
  } finally {
    await redis!.start();
  }
  const after = await assign(ctx, 'eng1', 'work 0.3: redis is back');
  await until(ctx, 'done once Redis is back', async () => (await row(ctx, after))?.state === 'done');
  assert.equal(turns(ctx), ['work 0.3: on redis', 'work 0.3: on the tree', 'work 0.3: on the tree, Redis away', 'work 0.3: redis is back']);
});

/** SIGKILL the session's dispatcher: its window starts it again a second later. */
function killDispatcher(ctx: RCtx): void {
  const panePid = tmux(ctx.sock, 'display-message', '-p', '-t', 'team:dispatcher', '#{pane_pid}').trim();
  process.kill(Number(execFileSync('pgrep', ['-P', panePid, 'node'], { encoding: 'utf8' }).trim().split('\n')[0]), 'SIGKILL');
}

/** How often a dispatcher that has never reached Redis has said it tries again (every 5 s). */
const connectTries = (ctx: RCtx) =>
  tmux(ctx.sock, 'capture-pane', '-p', '-J', '-S', '-200', '-t', 'team:dispatcher').split('\n').filter((l) => l.includes('trying again in 5 s')).length;

skip('a dispatcher restarted while Redis is away gives no new turn until it has seen what the agents hold there', async (ctx) => {
  // It waits for at most the lock's duration: longer here than Redis is away, however slow the machine.
  ctx.env.TMUX_ORC_LOCK_MS = '90000';
  await spawnFake(ctx, 'eng1');
  // Worked on and never reported: eng1 is idle again while it holds this turn.
  const held = await assign(ctx, 'eng1', 'work 0.3: no report');
  await until(ctx, 'delivered', async () => turns(ctx).length === 1 && (await row(ctx, held))?.state === 'running');
  redis!.kill();
  try {
    killDispatcher(ctx);
    await until(ctx, 'restarted, Redis unreachable', async () => connectTries(ctx) >= 1);
    assert.is((await run(ctx, ['assign', 'eng1', 'work 0.3: on the tree'])).code, 0);
    await until(ctx, 'a second try at Redis (ticks in between)', async () => connectTries(ctx) >= 2, 15_000);
    assert.equal(turns(ctx), ['work 0.3: no report'], 'eng1 still holds its turn on Redis: no tree turn meanwhile');
    assert.is(fs.readdirSync(`${ctx.root}/queue`).length, 1);
  } finally {
    await redis!.start();
  }
  // Back: it adopts eng1's turn there; the tree's waits until that one is settled.
  const asEng1 = { ...ctx, env: { ...ctx.env, ORC_AGENT: 'eng1' } };
  assert.is((await orc(asEng1, 'done', held, 'settled by hand')).code, 0);
  await until(ctx, 'the tree\'s turn done', async () => fs.readdirSync(`${ctx.root}/done`).length === 1);
  assert.equal(turns(ctx), ['work 0.3: no report', 'work 0.3: on the tree']);
});

skip('a dispatcher that cannot reach Redis waits for it no longer than the lock lasts, then gives the tree\'s turns', async (ctx) => {
  ctx.env.TMUX_ORC_LOCK_MS = '2000';
  await spawnFake(ctx, 'eng1');
  const first = await assign(ctx, 'eng1', 'work 0.3: on redis'); // the session's dispatcher now serves Redis
  await until(ctx, 'the first done', async () => (await row(ctx, first))?.state === 'done');
  redis!.kill();
  try {
    killDispatcher(ctx);
    await until(ctx, 'restarted, Redis unreachable', async () => connectTries(ctx) >= 1);
    assert.is((await run(ctx, ['assign', 'eng1', 'work 0.3: on the tree'])).code, 0);
    await until(ctx, 'the tree\'s turn done with Redis still away', async () => fs.readdirSync(`${ctx.root}/done`).length === 1);
    assert.equal(turns(ctx), ['work 0.3: on redis', 'work 0.3: on the tree']);
  } finally {
    await redis!.start();
  }
});

skip('--done-on-idle settles a turn the agent never reports once it was busy and then idle that long', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, 'eng1', '--done-on-idle', '1s', 'work 1: no report');
  await until(ctx, 'settled on idle', async () => (await row(ctx, a))?.state === 'done');
  assert.equal([(await row(ctx, a))?.note, turns(ctx)], ['(settled on idle after 1s)', ['work 1: no report']]);
  assert.not.ok(received(ctx).some((m) => m.startsWith('[report]')));
});

skip('a dispatcher stopped longer than the lock: the turn stalls, goes back to the queue (no attempt counted) and is delivered again (docs/backends.md says so)', async (ctx) => {
  ctx.env.TMUX_ORC_LOCK_MS = '2000'; // the dispatcher's, through the tmux server's environment
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, 'eng1', 'work 0.5: no report');
  await until(ctx, 'delivered', async () => turns(ctx).length === 1 && (await row(ctx, a))?.state === 'running');
  const panePid = tmux(ctx.sock, 'display-message', '-p', '-t', 'team:dispatcher', '#{pane_pid}').trim();
  const node = Number(execFileSync('pgrep', ['-P', panePid, 'node'], { encoding: 'utf8' }).trim().split('\n')[0]);
  const queue = new URL(ctx.url).searchParams.get('queue');
  const lock = `orc:${queue}.agent.${Buffer.from('eng1').toString('base64url')}:=${a}:lock`;
  process.kill(node, 'SIGSTOP');
  try {
    await until(ctx, 'its lock lapsed', async () => execFileSync('redis-cli', ['-p', String(redis!.port), 'exists', lock], { encoding: 'utf8' }).trim() === '0');
  } finally {
    process.kill(node, 'SIGCONT');
  }
  await until(ctx, 'delivered again', async () => turns(ctx).length === 2);
  assert.equal(turns(ctx), ['work 0.5: no report', 'work 0.5: no report']);
  assert.is((await row(ctx, a))?.attempt, 1, 'a stall is not an attempt');
  assert.is((await orc(ctx, 'tasks-cancel', a)).code, 0);
});

skip('from another host (no tree there): assign finds the agent its dispatcher published, and done and tasks-list work with --backend alone', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const here = await assign(ctx, 'eng1', 'work 0.3: from here');
  await until(ctx, 'the first done', async () => (await row(ctx, here))?.state === 'done');
  const away = tempDir('orc-away-');
  try {
    const env = { ...ctx.env };
    delete env.TASK_ROOT;
    const far = { ...ctx, env, dir: away };
    const r = await run(far, ['--backend', ctx.url, 'assign', 'eng1', 'work 30: from afar, no report']);
    assert.is(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    oneLine(await run(far, ['--backend', ctx.url, 'assign', 'nobody', 'x']), 3, /no agent "nobody"/);
    await until(ctx, 'delivered', async () => turns(ctx).length === 2 && (await row(ctx, id))?.state === 'running');
    const d = await run(far, ['--backend', ctx.url, 'done', id, 'settled from afar']);
    assert.is(d.code, 0, d.stderr);
    const list = JSON.parse((await run(far, ['--backend', ctx.url, 'tasks-list', 'done', '--json'])).stdout) as Row[];
    assert.equal(list.find((x) => x.id === id)?.note, 'settled from afar');
  } finally {
    fs.rmSync(away, { recursive: true, force: true });
  }
});

skip('the MCP tool assign_task of a server whose environment names the backend queues the turn there; done settles it', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const c = await stdioClient([], { ...ctx.env, TASK_BACKEND: ctx.url }, ctx.dir);
  try {
    const t = await ok(c, 'assign_task', { agent: 'eng1', text: 'work 0.5: by mcp' });
    await until(ctx, 'done', async () => (await row(ctx, t.id))?.state === 'done');
    assert.is((await row(ctx, t.id))?.note, 'did: work 0.5: by mcp');
    assert.is(fs.readdirSync(`${ctx.root}/done`).length, 0, 'not on the tree');
  } finally {
    await c.close();
  }
});

skip('the dispatcher SIGKILLed while a turn is held: a new one adopts it (not typed twice), done still settles it, the next follows', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const a = await assign(ctx, 'eng1', 'work 5: keep');
  const b = await assign(ctx, 'eng1', 'work 0.5: then');
  await until(ctx, 'delivered', async () => turns(ctx).length === 1 && (await row(ctx, a))?.state === 'running');
  const panePid = tmux(ctx.sock, 'display-message', '-p', '-t', 'team:dispatcher', '#{pane_pid}').trim();
  const node = execFileSync('pgrep', ['-P', panePid, 'node'], { encoding: 'utf8' }).trim().split('\n')[0];
  process.kill(Number(node), 'SIGKILL');
  await waitFor('a new dispatcher', () => {
    const pids = execFileSync('pgrep', ['-P', panePid, 'node'], { encoding: 'utf8' }).trim();
    return pids !== '' && pids !== node;
  }, 20_000, 100);
  await until(ctx, 'both done', async () => (await row(ctx, b))?.state === 'done', 45_000);
  assert.equal(turns(ctx), ['work 5: keep', 'work 0.5: then']);
  const r = await row(ctx, a);
  assert.equal([r?.state, r?.attempt, r?.note], ['done', 1, 'did: work 5: keep']);
  assert.match(tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:dispatcher'), new RegExp(`${a}: held by eng1, adopted`));
});

T.run();
