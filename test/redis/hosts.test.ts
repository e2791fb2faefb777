/**
 * The Redis backend across hosts: workers of two "hosts" (UTS and PID namespaces of their own when
 * root; else two process groups with TMUX_ORC_HOST set) drain one queue exactly once; a host that
 * dies mid-task loses the task to the other host, never two copies at once; a cancel reaches the
 * worker that runs the task; a Redis restart mid-drain loses nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, CLI, collect, REPO, tempDir, testEnv } from '../helpers.ts';
import { detector, lines } from '../faults/harness.ts';
import { REDIS_MISSING, startRedis, type RedisServer } from './server.ts';

const IS_ROOT = process.getuid?.() === 0;
const NAMESPACES = IS_ROOT && spawnSync('unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'true']).status === 0;
const LOCK_MS = 3000;

interface Ctx { dir: string; redis: RedisServer; hosts: ChildProcess[]; n: number }
const T = suite<Ctx>('redis hosts');
T.before(async (ctx) => {
  ctx.dir = tempDir('orc-hosts-');
  ctx.redis = await startRedis(ctx.dir);
  ctx.n = 0;
});
T.after((ctx) => {
  ctx.redis.stop();
  cleanup(ctx.dir);
});
T.before.each((ctx) => void (ctx.hosts = []));
T.after.each((ctx) => {
  for (const h of ctx.hosts) if (h.pid) try { process.kill(-h.pid, 'SIGKILL'); } catch { /* gone */ }
});

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `workers` workers on host `name`, in one process group (and, when root, a UTS + PID namespace of
 * its own: killing the group's leader, the namespace's init, kills everything on the host).
 */
function host(ctx: Ctx, env: NodeJS.ProcessEnv, name: string, workers: number, extra = ''): ChildProcess & { out: () => string } {
  const worker = [process.execPath, CLI, 'worker'].map(q).join(' ');
  const body = `${Array.from({ length: workers }, (_, i) => `${worker} --id ${i} ${extra} &`).join(' ')} wait`;
  const [file, args] = NAMESPACES
    ? ['unshare', ['--uts', '--pid', '--fork', '--mount-proc', 'sh', '-c', `hostname ${q(name)}; ${body}`]]
    : ['sh', ['-c', body]];
  const child = collect(spawn(file, args as string[], { env: { ...env, TMUX_ORC_HOST: NAMESPACES ? '' : name }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  ctx.hosts.push(child);
  return child;
}

function backendEnv(ctx: Ctx): { env: NodeJS.ProcessEnv; work: string } {
  const work = path.join(ctx.dir, `case-${++ctx.n}`);
  fs.mkdirSync(work);
  return { env: testEnv(undefined, { TASK_BACKEND: ctx.redis.url(`hosts-${ctx.n}`), TMUX_ORC_LOCK_MS: String(LOCK_MS), TMPDIR: work }), work };
}

async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000, detail = () => ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Row { id: string; state: string; status: string; worker?: string }
const rows = async (env: NodeJS.ProcessEnv, which = 'all') => JSON.parse((await cli(['tasks-list', which, '--json'], { env })).stdout) as Row[];

const why = REDIS_MISSING ?? '';
const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => (REDIS_MISSING ? T.skip(`${name} (${why})`, async () => {}) : T(name, fn));
const where = NAMESPACES ? 'namespaces' : 'process groups with TMUX_ORC_HOST';

test(`two hosts × 2 workers drain 1,000 tasks exactly once, both used (${where})`, async (ctx) => {
  const { env, work } = backendEnv(ctx);
  const input = Array.from({ length: 1000 }, () => detector(work, 0)).join('\n') + '\n';
  const r = await cli(['tasks-enqueue', '--stdin'], { env, input });
  assert.is(r.code, 0, r.stderr);
  const ids = r.stdout.trim().split('\n');
  host(ctx, env, 'alpha', 2);
  host(ctx, env, 'beta', 2);
  await until('all 1,000 done', async () => (await rows(env, 'done')).length === 1000, 240_000);
  for (const id of ids) assert.is(lines(path.join(work, 'runs')).filter((l) => l === `start ${id}`).length, 1, `${id} ran once`);
  assert.equal(lines(path.join(work, 'overlap')), []);
  const hosts = new Set((await rows(env, 'done')).map((x) => x.worker?.split('.')[0]));
  assert.equal([...hosts].sort(), ['alpha', 'beta']);
});

test('a host killed mid-task: the task runs again on the other host, never both at once', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  await cli(['tasks-enqueue', '-i', 'long', '--', detector(work, 4)], { env });
  const a = host(ctx, env, 'alpha', 1);
  await until('alpha to start it', async () => (await rows(env, 'running')).some((x) => x.worker?.startsWith('alpha.')), 30_000, () => a.out());
  await until('the task to have started', () => lines(path.join(work, 'runs')).length === 1);
  // The whole host goes: its namespace's init (or, without namespaces, every worker process: the
  // dead man's switch then kills the task).
  process.kill(-a.pid!, 'SIGKILL');
  const b = host(ctx, env, 'beta', 1);
  await until('beta to finish it', async () => (await rows(env, 'done')).some((x) => x.id === 'long' && x.worker?.startsWith('beta.')), 60_000, () => b.out());
  assert.equal(lines(path.join(work, 'overlap')), []);
  assert.is(lines(path.join(work, 'runs')).length, 2, 'started on alpha, then on beta');
  assert.is(lines(path.join(work, 'finished')).length, 1, 'finished once, on beta');
});

test('a worker frozen past its lock: its task is killed before another host starts it; thawed, it records nothing and exits', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  await cli(['tasks-enqueue', '-i', 'frozen', '--', detector(work, 4)], { env });
  // The worker alone is frozen (its dead man's switch and the task are in sessions of their own).
  const a = collect(spawn(process.execPath, [CLI, 'worker', '--id', '0'], { env: { ...env, TMUX_ORC_HOST: 'alpha' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  ctx.hosts.push(a);
  await until('alpha to start it', () => lines(path.join(work, 'runs')).length === 1, 30_000, () => a.out());
  process.kill(a.pid!, 'SIGSTOP');
  const b = host(ctx, env, 'beta', 1);
  await until('beta to finish it', async () => (await rows(env, 'done')).some((x) => x.id === 'frozen' && x.worker?.startsWith('beta.')), 60_000, () => b.out());
  assert.equal(lines(path.join(work, 'overlap')), [], 'never two copies at once');
  assert.is(lines(path.join(work, 'finished')).length, 1, 'finished once, on beta');
  process.kill(a.pid!, 'SIGCONT');
  await until('alpha to see it lost its task', () => /lost frozen/.test(a.out()), 15_000, () => a.out());
  const exited = new Promise((res) => a.once('exit', res));
  a.kill('SIGTERM');
  await until('alpha to exit', () => a.exitCode !== null || a.signalCode !== null, 10_000, () => a.out());
  await exited;
  assert.is((await rows(env, 'done')).find((x) => x.id === 'frozen')?.worker?.split('.')[0], 'beta', 'what alpha knew was not recorded');
});

test('a worker whose launcher is killed mid-task carries on: the task is killed, goes back to the queue and runs again, never left running', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  await cli(['tasks-enqueue', '-i', 'orphan', '--', detector(work, 2)], { env });
  const a = collect(spawn(process.execPath, [CLI, 'worker', '--id', '0'], { env: { ...env, TMUX_ORC_HOST: 'alpha' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  ctx.hosts.push(a);
  await until('alpha to start it', () => lines(path.join(work, 'runs')).length === 1, 30_000, () => a.out());
  const launcher = spawnSync('pgrep', ['-P', String(a.pid), 'perl'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  assert.is(launcher.length, 1, `the worker's launcher: ${launcher.join(' ')}`);
  process.kill(Number(launcher[0]), 'SIGKILL');
  await until('the task done after a second run', async () => (await rows(env, 'done')).some((x) => x.id === 'orphan'), 60_000, () => a.out());
  assert.match(a.out(), /recovered orphan \(its launcher died; its process group was killed\) → queue/);
  assert.equal(lines(path.join(work, 'overlap')), [], 'never two copies at once');
  assert.is(lines(path.join(work, 'runs')).length, 2, 'killed in its first run, run again');
  assert.is(lines(path.join(work, 'finished')).length, 1);
  assert.equal(await rows(env, 'running'), [], 'nothing left running');
});

test('a worker SIGKILLed while its task holds the only slot of a group: the slot is not leaked; once the stalled job is recovered the group runs on, one at a time', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  assert.is((await cli(['group', 'set', 'g', '--parallel', '1'], { env })).code, 0);
  // Every task of the group takes one kernel lock (an overlap is recorded): a killed task lets go of it.
  await cli(['tasks-enqueue', '-i', 'holder', '--group', 'g', '--', detector(work, 2, 'g')], { env });
  const a = host(ctx, env, 'alpha', 1);
  await until('alpha to start it', () => lines(path.join(work, 'runs')).length === 1, 30_000, () => a.out());
  await cli(['tasks-enqueue', '-i', 'next', '--group', 'g', '--', detector(work, 0.2, 'g')], { env });
  // The whole host goes (without namespaces: its worker; its dead man's switch kills the task).
  process.kill(-a.pid!, 'SIGKILL');
  const b = host(ctx, env, 'beta', 1);
  await until('both done on beta', async () => {
    const done = (await rows(env, 'done')).filter((x) => x.worker?.startsWith('beta.')).map((x) => x.id);
    return done.includes('holder') && done.includes('next');
  }, 60_000, () => b.out());
  assert.equal(lines(path.join(work, 'overlap')), [], 'one at a time');
  assert.is(lines(path.join(work, 'runs')).length, 3, 'holder twice (killed, then run again), next once');
  assert.equal(JSON.parse((await cli(['group', 'list', '--json'], { env })).stdout), [{ group: 'g', parallel: 1, running: 0, queued: 0 }]);
});

test('a task whose only worker died: tasks-health names it; --fix moves it back to the queue, and a worker of its label runs it', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  await cli(['tasks-enqueue', '-i', 'orphan', '-l', 'gpu', '--', detector(work, 30)], { env });
  const a = host(ctx, env, 'alpha', 1, '--label gpu');
  await until('it to start', () => lines(path.join(work, 'runs')).length === 1, 30_000, () => a.out());
  process.kill(-a.pid!, 'SIGKILL');
  const h = await until('tasks-health to name it', async () => {
    const r = await cli(['tasks-health', '--json'], { env });
    const j = JSON.parse(r.stdout) as { stale: Array<{ id: string }>; problems: string[] };
    return j.stale.some((x) => x.id === 'orphan') && { ...r, j };
  }, 20_000);
  assert.is(h.code, 8);
  assert.match(h.j.problems.join('\n'), /orphan/);
  const fix = await cli(['tasks-health', '--fix', '--json'], { env });
  const f = JSON.parse(fix.stdout) as { fixed: Array<{ id: string; to: string }>; stale: unknown[] };
  assert.equal(f.fixed, [{ id: 'orphan', why: 'its lock lapsed (its worker is gone)', to: 'queue' }], fix.stderr);
  assert.equal(f.stale, [], 'nothing is left stale');
  assert.is((await rows(env)).find((x) => x.id === 'orphan')?.state, 'queue');
  const tail = await cli(['tasks-tail', 'orphan'], { env }); // found by ID, as BullMQ's wait list holds it now
  assert.is(tail.code, 0, tail.stderr);
  const b = host(ctx, env, 'beta', 1, '--label gpu');
  await until('a worker of its label to run it again', () => lines(path.join(work, 'runs')).length === 2, 30_000, () => b.out());
  assert.equal(lines(path.join(work, 'overlap')), [], 'never two copies at once');
});

test('a cancel from one host kills the task on the other', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  // The task holds a kernel lock while it lives (its pids are another namespace's, when root).
  const lock = path.join(work, 'held');
  await cli(['tasks-enqueue', '-i', 'victim', '--', `touch ${q(lock)}.started; exec flock ${q(lock)} sleep 60`], { env });
  host(ctx, env, 'beta', 1);
  await until('the task to run', () => fs.existsSync(`${lock}.started`) && spawnSync('flock', ['-n', lock, 'true']).status === 1);
  const c = await cli(['tasks-cancel', 'victim'], { env: { ...env, TMUX_ORC_HOST: 'alpha' } });
  assert.is(c.code, 0, c.stderr);
  await until('the task to be gone (its lock free)', () => spawnSync('flock', ['-n', lock, 'true']).status === 0, 10_000);
  assert.is((await rows(env, 'failed')).find((x) => x.id === 'victim')?.status, 'cancelled');
});

test('a cancel meant for an earlier run (its worker lost the task) does not kill the task once retried', async (ctx) => {
  const { env } = backendEnv(ctx);
  await cli(['tasks-enqueue', '-i', 'again', '--', 'sleep 2'], { env });
  // What a cancel leaves when the worker running the task lost it before it heard: the flag.
  spawnSync('redis-cli', ['-p', String(ctx.redis.port), 'hset', `orc:hosts-${ctx.n}:orc:cancel`, 'again', '1']);
  assert.match((await cli(['tasks-cancel', 'again'], { env })).stdout, /cancelled/);
  assert.is((await cli(['tasks-retry', 'again'], { env })).code, 0);
  const w = await cli(['worker', '--until-empty'], { env });
  assert.is(w.code, 0, w.stderr);
  const row = (await rows(env)).find((x) => x.id === 'again');
  assert.is(row?.status, 'done', w.stdout);
});

test('Redis silent for longer than the lock: the worker kills its task before the lock lapses, records nothing, and the task runs again', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  await cli(['tasks-enqueue', '-i', 'cut-off', '--', detector(work, 4)], { env });
  const a = host(ctx, env, 'alpha', 1);
  await until('it to start', () => lines(path.join(work, 'runs')).length === 1, 30_000, () => a.out());
  // Frozen, not gone: what a worker sees of a network partition (commands wait, nothing fails).
  const pid = Number(fs.readFileSync(path.join(ctx.dir, `redis-${ctx.redis.port}`, 'pid'), 'utf8'));
  process.kill(pid, 'SIGSTOP');
  try {
    await until('the task to be gone (its kernel lock free)', () => spawnSync('flock', ['-n', path.join(work, 'lock.cut-off'), 'true']).status === 0, 15_000, () => a.out());
    assert.equal(lines(path.join(work, 'finished')), [], 'killed before it could finish (it runs 4 s; the lock is 3 s)');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await until('the run again to finish', async () => (await rows(env, 'done')).some((x) => x.id === 'cut-off'), 60_000, () => a.out());
  assert.is(lines(path.join(work, 'runs')).length, 2);
  assert.is(lines(path.join(work, 'finished')).length, 1);
  assert.equal(lines(path.join(work, 'overlap')), []);
});

test('Redis killed and restarted mid-drain: nothing is lost, nothing runs twice at once', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  const input = Array.from({ length: 150 }, () => detector(work, 0.02)).join('\n') + '\n';
  const ids = (await cli(['tasks-enqueue', '--stdin'], { env, input })).stdout.trim().split('\n');
  host(ctx, env, 'alpha', 2);
  await until('some to be done', () => lines(path.join(work, 'finished')).length >= 30);
  ctx.redis.kill();
  await ctx.redis.start();
  await until('all done', async () => (await rows(env, 'done')).length === 150, 120_000);
  assert.equal(lines(path.join(work, 'overlap')), []);
  for (const id of ids) assert.ok(lines(path.join(work, 'finished')).includes(`finished ${id}`), `${id} finished`);
});

/** Numbered lines in order, with every gap announced by a note since the line before it; the last number. */
function inOrder(text: string): number {
  let prev = 0;
  let noted = false;
  for (const l of text.split('\n').filter(Boolean)) {
    if (/^\[tmux-orc: \d+ (more )?bytes (of output )?dropped here/.test(l)) noted = true;
    else {
      const n = Number(/^line (\d+)/.exec(l)?.[1] ?? NaN);
      assert.ok(n > prev, `line ${n} after ${prev}`);
      assert.ok(n === prev + 1 || noted, `a silent gap: ${prev} → ${n}`);
      [prev, noted] = [n, false];
    }
  }
  return prev;
}

test('a task writing more than the logs keep: tasks-tail -f and tasks-tail show its lines in order, each gap announced, its end kept', async (ctx) => {
  const { env } = backendEnv(ctx);
  const burst = (a: number, b: number) => `seq -f 'line %08g xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' ${a} ${b}`;
  await cli(['tasks-enqueue', '-i', 'chatty', '--', `${burst(1, 65000)}; sleep 0.5; ${burst(65001, 130000)}`], { env });
  // Following from before the task starts; everything kept, not its last 100 lines, in case the
  // follow's first look comes after the first burst was shipped.
  const following = cli(['tasks-tail', '-f', '-n', '1000000', 'chatty'], { env });
  // The worker's own local logs are capped too (task_log_max), so the shipper follows their cuts.
  const w = collect(spawn(process.execPath, [CLI, 'worker', '--until-empty'], { env: { ...env, TMUX_ORC_TASK_LOG_MAX: '1MiB' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  ctx.hosts.push(w);
  const f = await following;
  assert.is(f.code, 0, f.stderr);
  assert.is(inOrder(f.stdout), 130000, 'tasks-tail -f: to the end');
  const all = await cli(['tasks-tail', '-n', '1000000', 'chatty'], { env });
  assert.ok(all.stdout.length <= 4 * 1024 * 1024 + 100, `kept ${all.stdout.length} bytes`);
  assert.is(inOrder(all.stdout), 130000, 'tasks-tail: the end kept');
});

test('with a backend named, what only a tree has is refused in one line (exit 2), even with a tree at hand', async (ctx) => {
  const { env, work } = backendEnv(ctx);
  const root = path.join(work, 'tree');
  assert.is((await cli(['tasks-init', '--root', root], { env: testEnv(root) })).code, 0);
  const both = { ...env, TASK_ROOT: root };
  for (const args of [['locks'], ['lock', 'l', '--', 'true'], ['tasks-init'], ['tasks-paths']]) {
    const r = await cli(args, { env: both });
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^tmux-orc: \S.* is not available on the Redis backend/);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
  // Groups are the backend's too: made there, never in the tree at hand.
  assert.is((await cli(['group', 'set', 'g', '-n', '2'], { env: both })).code, 0);
  assert.not.ok(fs.existsSync(path.join(root, 'groups')), 'no group was made in the tree');
  assert.equal(JSON.parse((await cli(['group', 'list', '--json'], { env })).stdout), [{ group: 'g', parallel: 2, running: 0, queued: 0 }]);
  // An enqueue goes to the backend: through the bash front end, and with --backend before or after the command name.
  const url = env.TASK_BACKEND!;
  const noEnv = { ...both, TASK_BACKEND: '' };
  const ways: Array<[string, string[], NodeJS.ProcessEnv]> = [
    ['bash', [path.join(REPO, 'bin', 'tmux-orc'), 'tasks-enqueue', 'echo', 'bash'], both],
    ['after', [process.execPath, CLI, 'tasks-enqueue', '--backend', url, '-i', 'after', '--', 'true'], noEnv],
    ['before', [process.execPath, CLI, '--backend', url, 'tasks-enqueue', '-i', 'before', '--', 'true'], noEnv],
  ];
  for (const [name, [file, ...args], e] of ways) {
    const r = spawnSync(file, args, { env: e, encoding: 'utf8' });
    assert.is(r.status, 0, `${name}: ${r.stderr}`);
  }
  assert.equal(fs.readdirSync(path.join(root, 'queue')), [], 'nothing in the tree');
  assert.is((await rows(env, 'queue')).length, 3);
});

test('a bad backend is one line at once: a bad URL (exit 2), nobody listening (exit 10), no such database (exit 2)', async (ctx) => {
  const bad = await cli(['tasks-list'], { env: testEnv(undefined, { TASK_BACKEND: 'http://x' }) });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^tmux-orc: bad backend "http:\/\/x": only redis:\/\/ and rediss:\/\/ are supported/);
  assert.is(bad.stderr.trim().split('\n').length, 1);
  const down = await cli(['tasks-enqueue', '--', 'true'], { env: testEnv(undefined, { TASK_BACKEND: 'redis://127.0.0.1:1/0' }) });
  assert.is(down.code, 10);
  assert.match(down.stderr, /^tmux-orc: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0: connection refused/);
  assert.is(down.stderr.trim().split('\n').length, 1);
  // TLS to a plain server: no answer, said in one line within the connect timeout.
  const tls = await cli(['tasks-list'], { env: testEnv(undefined, { TASK_BACKEND: `rediss://127.0.0.1:${ctx.redis.port}/0` }) });
  assert.is(tls.code, 10);
  assert.match(tls.stderr, /^tmux-orc: cannot reach Redis at rediss:.*no TLS handshake/);
  assert.is(tls.stderr.trim().split('\n').length, 1);
  // A database the server does not have is refused, not replaced by database 0.
  const { env } = backendEnv(ctx);
  const nodb = await cli(['tasks-enqueue', '-i', 'lost', '--', 'true'], { env: { ...env, TASK_BACKEND: `redis://127.0.0.1:${ctx.redis.port}/99?queue=nodb` } });
  assert.is(nodb.code, 2, nodb.stdout);
  assert.match(nodb.stderr, /^tmux-orc: bad backend redis:\/\/127\.0\.0\.1:\d+\/99\?queue=nodb: database 99: .*out of range/);
  assert.is(nodb.stderr.trim().split('\n').length, 1);
  assert.equal(await rows({ ...env, TASK_BACKEND: ctx.redis.url('nodb') }), []);
});

T.run();
