/**
 * The worker loop driven with fakes: an in-memory store, a launcher whose runs end when the test
 * says, a clock that moves only when the test moves it, a pane that collects text and signals
 * that are emitted by hand. No tree, no processes, no sleeps: every wait is for a condition.
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OrcError } from '../../src/errors.ts';
import { decode, encode, last } from '../../src/persist/codec.ts';
import { afterRun, interrupted, type Move } from '../../src/queue/lifecycle.ts';
import { parseTask, type Task } from '../../src/queue/task.ts';
import { taskName } from '../../src/queue/tree.ts';
import type { Claim, Next, Recovered, Settled, Taken, WorkerStore } from '../../src/store/worker-store.ts';
import { iso } from '../../src/time.ts';
import type { ClaimReply, Exit, LaunchRequest, Launched, Launcher } from '../../src/worker/launcher.ts';
import { runWorker, type WorkerOptions } from '../../src/worker/loop.ts';
import { waitFor } from '../helpers.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const WAIT = 5000;

class FakeClock {
  t = NOW;
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** An in-memory store: a queue of tasks, the claims held, and a record of every call that matters. */
class FakeStore implements WorkerStore {
  readonly where = '/fake/tree';
  queue: Array<{ name: string; task: Task }> = [];
  held = new Map<string, Claim>();
  /** Settles that went through, in order. */
  settles: Array<{ claim: Claim; move: Move }> = [];
  settleCalls = 0;
  givenBack: Claim[] = [];
  waits: number[] = [];
  nexts = 0;
  checks = 0;
  recovers = 0;
  closed = false;
  unregistered = false;
  /** Thrown by check() while set. */
  checkError?: Error;
  /** Thrown by the next settle() calls, one each. */
  settleErrors: Error[] = [];
  /** Replies to the next take() calls before claiming for real (a skipped take drops the task). */
  takes: Taken[] = [];
  /** How many next() calls answer "idle, but not empty" before the queue is looked at. */
  idleNotEmpty = 0;
  /** Task IDs whose run a user asked to cancel. */
  cancelled = new Set<string>();
  /** What the next recover() calls return. */
  recovered: Recovered[][] = [];
  private wake?: () => void;
  private stamp = 1_000_000;

  add(id: string, extra = ''): Task {
    const task = parseTask(decode(`ID=${id}\nCMD=echo ${id}\n${extra}`));
    this.queue.push({ name: taskName(id, 0, this.stamp++), task });
    return task;
  }
  check(): void {
    this.checks++;
    if (this.checkError) throw this.checkError;
  }
  async recover(): Promise<Recovered[]> {
    this.recovers++;
    return this.recovered.shift() ?? [];
  }
  next(_now: number, _refresh: boolean): Next {
    this.nexts++;
    if (this.idleNotEmpty > 0) {
      this.idleNotEmpty--;
      return { kind: 'idle', empty: false };
    }
    const first = this.queue[0];
    return first ? { kind: 'task', name: first.name } : { kind: 'idle', empty: true };
  }
  async take(name: string, token: string, _now: number): Promise<Taken> {
    const i = this.queue.findIndex((q) => q.name === name);
    if (i < 0) return { kind: 'skipped' };
    const scripted = this.takes.shift();
    if (scripted) {
      if (scripted.kind === 'skipped') this.queue.splice(i, 1);
      return scripted;
    }
    const [{ task }] = this.queue.splice(i, 1);
    const claim = { name, task, token };
    this.held.set(token, claim);
    return { kind: 'claimed', claim };
  }
  startRecord(claim: Claim, worker: string, now: number): string {
    return encode([['WORKER', worker], ['CLAIM', claim.token], ['STARTED', iso(now)]]);
  }
  logs(id: string): { out: string; err: string } {
    return { out: `/fake/logs/${id}.out`, err: `/fake/logs/${id}.err` };
  }
  file(claim: Claim): string {
    return `/fake/running/${claim.name}`;
  }
  cancelRequested(claim: Claim): boolean {
    return this.cancelled.has(claim.task.id);
  }
  reread(claim: Claim): Task | undefined {
    return this.held.get(claim.token)?.task;
  }
  settle(claim: Claim, move: Move): Settled {
    this.settleCalls++;
    const err = this.settleErrors.shift();
    if (err) throw err;
    if (!this.held.delete(claim.token)) return { kind: 'lost', why: 'not held' };
    this.settles.push({ claim, move });
    return { kind: 'moved', to: move.to };
  }
  giveBack(claim: Claim): void {
    this.held.delete(claim.token);
    this.givenBack.push(claim);
    this.queue.unshift({ name: claim.name, task: claim.task });
  }
  /** Ends after a couple of milliseconds whatever `ms` says, or at once when poked. */
  wait(ms: number): Promise<void> {
    this.waits.push(ms);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 2)));
      this.wake = done;
    });
  }
  pause(): void {}
  poke(): void {
    this.wake?.();
  }
  close(): void {
    this.closed = true;
  }
  register(id?: string) {
    return { id: id ?? '0', heartbeat: () => {}, unregister: () => void (this.unregistered = true) };
  }
}

/** A launcher whose runs end with the scripted exits, in order; once those are spent, when the test calls `end`. */
class FakeLauncher implements Launcher {
  readonly name = 'fake';
  reqs: LaunchRequest[] = [];
  script: Exit[] = [];
  pgidCalls = 0;
  closed = false;
  private ends: Array<(e: Exit) => void> = [];
  async claim(): Promise<ClaimReply> {
    return { kind: 'claimed' };
  }
  release(): void {}
  close(): void {
    this.closed = true;
  }
  async launch(req: LaunchRequest): Promise<Launched> {
    this.reqs.push(req);
    let end!: (e: Exit) => void;
    const exit = new Promise<Exit>((r) => (end = r));
    this.ends.push(end);
    const scripted = this.script.shift();
    if (scripted) end(scripted);
    return { exit, pgid: () => (this.pgidCalls++, undefined) };
  }
  /** End the `i`th run (a no-op if it has ended). */
  end(i: number, e: Exit): void {
    this.ends[i]?.(e);
  }
  endAll(e: Exit): void {
    this.ends.forEach((end) => end(e));
  }
}

const exit = (code: number | null, more: Partial<Exit> = {}): Exit => ({ code, signal: null, ...more });

interface World {
  store: FakeStore;
  launcher: FakeLauncher;
  clock: FakeClock;
  signals: EventEmitter;
  pane: () => string;
  /** The pane's lines that match. */
  said: (re: RegExp) => string[];
  start: (o?: Partial<WorkerOptions>) => Promise<void>;
  running?: Promise<void>;
  over: boolean;
}

const L = suite<{ w: World }>('worker loop with fakes');

L.before.each((ctx) => {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const w: World = {
    store: new FakeStore(),
    launcher: new FakeLauncher(),
    clock: new FakeClock(),
    signals: new EventEmitter(),
    pane: () => text,
    said: (re) => text.split('\n').filter((l) => re.test(l)),
    over: false,
    start: (o = {}) => {
      // Recovery and heartbeat periods are long: they must not fire in these tests (recover is asserted on).
      const opts: WorkerOptions = { id: '0', rescanMs: 5, staleCheckMs: 60_000, killGraceMs: 20, noSpaceRetryMs: 3, heartbeatMs: 60_000, untilEmpty: true, ...o };
      const p = runWorker({ store: w.store, launcher: w.launcher, clock: w.clock, pane: { out }, signals: w.signals }, opts);
      w.running = p;
      p.then(() => (w.over = true), () => (w.over = true));
      return p;
    },
  };
  ctx.w = w;
});

// A test that failed half-way must not leave a worker looping: cancel it and end its runs.
L.after.each(async ({ w }) => {
  if (!w.running || w.over) return;
  signal(w, 'SIGHUP');
  w.launcher.endAll(exit(null, { signal: 'SIGKILL' }));
  await stopped(w.running).catch(() => {});
});

/** The worker's promise, or a rejection if it does not stop in time. */
async function stopped(p: Promise<void>, ms = WAIT): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the worker did not stop in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** As `process` delivers a signal: the handler is called with the signal's name. */
const signal = (w: World, sig: NodeJS.Signals) => w.signals.emit(sig, sig);
const until = (what: string, check: () => unknown) => waitFor(what, check, WAIT, 1);
const status = (m: Move) => last(m.append, 'STATUS');
/** Let pending callbacks (timers of 0-2 ms, immediates) run a few times over. */
const settleDown = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 3));
};

// ---- one task, start to end ---------------------------------------------------------------

// [what, task extra, the launcher's exit, destination, STATUS, the pane's end line]
const ends: Array<[string, string, Exit, string, string, RegExp]> = [
  ['exit 0', '', exit(0), 'done', 'done', /done t1: exit 0 in /],
  ['exit 1, no retries', '', exit(1), 'failed', 'failed', /failed t1: exit 1 in /],
  ['exit 1, retries left', 'RETRIES=2\n', exit(1), 'queue', 'failed', /requeued \(failed\) t1: exit 1 in /],
  ['killed by a signal', '', exit(null, { signal: 'SIGKILL' }), 'failed', 'failed', /failed t1: signal SIGKILL in /],
  ['could not start', 'RETRIES=2\n', exit(null, { error: 'spawn-error: ENOENT' }), 'failed', 'failed', /failed t1: spawn-error: ENOENT in /],
];
for (const [what, extra, result, to, st, line] of ends) {
  L(`a task is claimed, launched with its claim record and start line, and settled by afterRun: ${what} → ${to}`, async ({ w }) => {
    const task = w.store.add('t1', `ENV=COLOUR=blue\n${extra}`);
    w.launcher.script.push(result);
    await stopped(w.start());

    assert.is(w.launcher.reqs.length, 1);
    const req = w.launcher.reqs[0];
    assert.is(w.store.settles.length, 1);
    const { claim, move } = w.store.settles[0];
    assert.is(claim.task, task);
    assert.is(req.record, w.store.startRecord(claim, '0', NOW), 'the claim record of this claim, by this worker, at the fake clock');
    assert.is(req.file, w.store.file(claim));
    assert.is(req.banner, '12:00:00 worker-0 start t1 (attempt 1): echo t1\n');
    assert.is(req.cmd, 'echo t1');
    assert.equal([req.out, req.err], ['/fake/logs/t1.out', '/fake/logs/t1.err']);
    assert.equal(req.env, [['TASK_ID', 't1'], ['TASK_ROOT', '/fake/tree'], ['TASK_ATTEMPT', '1'], ['WORKER_ID', '0'], ['COLOUR', 'blue']]);

    const expected = afterRun(task, { exitCode: result.code, signal: result.signal, timedOut: false, cancelled: false, startError: result.error, durationMs: 0 }, NOW);
    assert.equal(move, expected);
    assert.is(move.to, to);
    assert.is(status(move), st);
    if (to === 'queue') {
      assert.is(last(move.append, 'ATTEMPT'), '2');
      assert.is(last(move.append, 'DUE'), iso(NOW + 1000));
    }
    assert.is(w.said(line).length, 1, w.pane());
    // Only a run that never started has its (absent) group killed on the way out.
    assert.is(w.launcher.pgidCalls, result.error ? 1 : 0, 'nothing was signalled');
    assert.ok(w.store.closed && w.launcher.closed && w.store.unregistered, 'cleaned up');
    assert.match(w.pane(), /ready on \/fake\/tree; launcher fake\n/);
    assert.match(w.pane(), /worker-0 stopped\n$/);
  });
}

L('tasks are taken one after another until the store is empty', async ({ w }) => {
  for (const id of ['a', 'b', 'c']) w.store.add(id);
  w.launcher.script.push(exit(0), exit(1), exit(0));
  await stopped(w.start());
  assert.equal(w.launcher.reqs.map((r) => r.cmd), ['echo a', 'echo b', 'echo c']);
  assert.equal(w.store.settles.map((s) => [s.claim.task.id, s.move.to]), [['a', 'done'], ['b', 'failed'], ['c', 'done']]);
  const tokens = new Set(w.store.settles.map((s) => s.claim.token));
  assert.is(tokens.size, 3, 'a fresh claim token per claim');
});

// ---- stopping when empty --------------------------------------------------------------------

L('untilEmpty: waits while the store says idle but not empty, stops once it says empty', async ({ w }) => {
  w.store.idleNotEmpty = 3;
  await stopped(w.start({ untilEmpty: true }));
  assert.is(w.store.nexts, 4);
  assert.is(w.store.waits.length, 3, 'one wait per idle-but-not-empty answer, none after empty');
  assert.is(w.launcher.reqs.length, 0);
});

L('without untilEmpty an empty store is waited on until a signal stops the worker', async ({ w }) => {
  const p = w.start({ untilEmpty: false });
  await until('several idle waits', () => w.store.waits.length >= 5);
  assert.not.ok(w.over);
  signal(w, 'SIGINT');
  await stopped(p);
  assert.is(w.said(/SIGINT: stopping$/).length, 1, w.pane());
  assert.is(w.signals.listenerCount('SIGINT') + w.signals.listenerCount('SIGHUP') + w.signals.listenerCount('SIGTERM'), 0, 'signal handlers removed');
});

// ---- takes that give nothing to run ---------------------------------------------------------

L('a skipped take: its note goes to the pane and the loop goes on to the next task', async ({ w }) => {
  w.store.add('bad');
  w.store.add('t2');
  w.store.takes.push({ kind: 'skipped', note: 'rejected bad: invalid: no CMD' });
  w.launcher.script.push(exit(0));
  await stopped(w.start());
  assert.is(w.said(/worker-0 rejected bad: invalid: no CMD$/).length, 1, w.pane());
  assert.equal(w.launcher.reqs.map((r) => r.cmd), ['echo t2']);
  assert.equal(w.store.settles.map((s) => [s.claim.task.id, s.move.to]), [['t2', 'done']]);
});

L('a take that finds no space: "no space left" once, a wait, then the task is taken again', async ({ w }) => {
  w.store.add('t1');
  w.store.takes.push({ kind: 'no-space', why: 'cannot write the claim: ENOSPC' }, { kind: 'no-space', why: 'cannot write the claim: ENOSPC' });
  w.launcher.script.push(exit(0));
  await stopped(w.start());
  assert.is(w.said(/no space left on device \(cannot write the claim: ENOSPC\); waiting for space$/).length, 1, w.pane());
  assert.is(w.said(/no space left/).length, 1, w.pane());
  assert.is(w.store.waits.filter((ms) => ms === 3).length, 2, 'waited noSpaceRetryMs after each');
  assert.is(w.said(/space is back/).length, 1, w.pane());
  assert.equal(w.store.settles.map((s) => s.move.to), ['done']);
});

// ---- launcher results that settle nothing ---------------------------------------------------

L('a run whose record found no space is given back, not settled; "no space left" once, "space is back" after a success', async ({ w }) => {
  w.store.add('t1');
  const full = exit(null, { error: 'no-space: ENOSPC writing the claim record' });
  w.launcher.script.push(full, full, full, exit(0));
  await stopped(w.start());
  assert.is(w.launcher.reqs.length, 4);
  assert.is(w.store.givenBack.length, 3);
  assert.ok(w.store.givenBack.every((c) => c.task.id === 't1'));
  assert.is(w.store.settleCalls, 1, 'settled only after the run that had space');
  assert.equal(w.store.settles.map((s) => s.move.to), ['done']);
  const lines = w.pane().split('\n');
  const full1 = lines.findIndex((l) => /no space left/.test(l));
  const back = lines.findIndex((l) => /space is back; carrying on/.test(l));
  assert.is(w.said(/no space left/).length, 1, w.pane());
  assert.is(w.said(/space is back/).length, 1, w.pane());
  assert.ok(full1 >= 0 && back > full1, w.pane());
  assert.ok(back > lines.findIndex((l) => /done t1/.test(l)), 'space is back once the task ran');
});

L('a lost run (the launcher lease lapsed): nothing is settled or given back', async ({ w }) => {
  w.store.add('t1');
  w.launcher.script.push(exit(null, { error: 'lease lapsed', lost: true }));
  await stopped(w.start());
  assert.is(w.store.settleCalls, 0);
  assert.is(w.store.givenBack.length, 0);
  assert.is(w.said(/lost t1: lease lapsed; its process group was killed and nothing was recorded$/).length, 1, w.pane());
  assert.is(w.launcher.pgidCalls, 0, 'a lost run is not signalled by the worker');
});

L('a launcher that died: nothing settled; recovery is run and what it recovered is said', async ({ w }) => {
  w.store.add('t1');
  w.store.recovered.push([], [{ id: 't1', why: 'its launcher is gone', to: 'queue' }]);
  w.launcher.script.push(exit(null, { error: 'launcher-died: perl exited 255' }));
  await stopped(w.start());
  assert.is(w.store.settleCalls, 0);
  assert.is(w.store.givenBack.length, 0);
  assert.is(w.store.recovers, 2, 'once at start, once for the dead launcher');
  assert.is(w.said(/t1: launcher-died: perl exited 255; requeueing it$/).length, 1, w.pane());
  assert.is(w.said(/recovered t1 \(its launcher is gone\) → queue$/).length, 1, w.pane());
});

// ---- settling on a full disk, and settling that fails ---------------------------------------

L('a settle that finds no space is tried again until it lands; "no space left" once', async ({ w }) => {
  const task = w.store.add('t1');
  w.store.settleErrors.push(enospc(), enospc(), enospc());
  w.launcher.script.push(exit(0));
  await stopped(w.start());
  assert.is(w.store.settleCalls, 4);
  assert.equal(w.store.settles.map((s) => s.move), [afterRun(task, { exitCode: 0, signal: null, timedOut: false, cancelled: false, durationMs: 0 }, NOW)]);
  assert.is(w.store.waits.filter((ms) => ms === 3).length, 3, 'waited noSpaceRetryMs between tries');
  assert.is(w.said(/no space left on device; waiting for space$/).length, 1, w.pane());
  assert.is(w.said(/space is back/).length, 1, w.pane());
  assert.is(w.said(/done t1: exit 0/).length, 1, w.pane());
  assert.is(w.launcher.reqs.length, 1, 'the task ran once');
});

L('a settle that fails otherwise: the error is said and the task settles as failed with worker-error', async ({ w }) => {
  w.store.add('t1');
  w.store.settleErrors.push(Object.assign(new Error('disk on fire'), { code: 'EIO' }));
  w.launcher.script.push(exit(0));
  await stopped(w.start());
  assert.is(w.said(/error: disk on fire \(EIO\)$/).length, 1, w.pane());
  assert.is(w.store.settles.length, 1);
  const { move } = w.store.settles[0];
  assert.is(move.to, 'failed');
  assert.is(last(move.append, 'REASON'), 'worker-error: disk on fire (EIO)');
  assert.is(w.said(/no space left/).length, 0);
});

// ---- cancels and signals --------------------------------------------------------------------

L('a user cancel settles the run as cancelled (the worker signals nothing itself)', async ({ w }) => {
  w.store.add('t1', 'RETRIES=3\n');
  w.store.cancelled.add('t1');
  w.launcher.script.push(exit(null, { signal: 'SIGTERM' }));
  await stopped(w.start());
  assert.is(w.store.settles.length, 1);
  const { move } = w.store.settles[0];
  assert.is(move.to, 'failed');
  assert.is(status(move), 'cancelled');
  assert.is(last(move.append, 'REASON'), 'cancelled');
  assert.is(w.said(/cancelled t1: signal SIGTERM in /).length, 1, w.pane());
  assert.is(w.launcher.pgidCalls, 0);
});

L('SIGINT once drains: the current task finishes and is settled as usual, then the worker stops', async ({ w }) => {
  w.store.add('t1');
  w.store.add('t2');
  const p = w.start({ untilEmpty: false });
  await until('t1 launched', () => w.launcher.reqs.length === 1);
  signal(w, 'SIGINT');
  await until('the drain line', () => w.said(/SIGINT: draining — finishing t1; press C-c again to cancel and requeue it$/).length === 1);
  await settleDown();
  assert.not.ok(w.over, 'still running its task');
  assert.is(w.store.settleCalls, 0);
  w.launcher.end(0, exit(0));
  await stopped(p);
  assert.equal(w.store.settles.map((s) => [s.claim.task.id, s.move.to, status(s.move)]), [['t1', 'done', 'done']]);
  assert.is(w.launcher.reqs.length, 1, 't2 was not started');
  assert.equal(w.store.queue.map((q) => q.task.id), ['t2']);
  assert.is(w.launcher.pgidCalls, 0, 'the task was not signalled');
});

for (const [what, sigs] of [['SIGHUP', ['SIGHUP']], ['a second SIGINT', ['SIGINT', 'SIGINT']]] as const) {
  L(`${what} cancels the current task: its group is signalled and it is requeued as interrupted`, async ({ w }) => {
    w.store.add('t1', 'RETRIES=3\n');
    w.store.add('t2');
    const p = w.start({ untilEmpty: false });
    await until('t1 launched', () => w.launcher.reqs.length === 1);
    for (const s of sigs) signal(w, s);
    // The runner asks for the task's group to signal it (the fake has none yet, so it keeps asking).
    await until('the cancel reached the run', () => w.launcher.pgidCalls > 0);
    await until('the cancel line', () => w.said(new RegExp(`${sigs.at(-1)}: cancelling t1 and requeueing it$`)).length === 1);
    w.launcher.end(0, exit(null, { signal: 'SIGTERM' }));
    await stopped(p);
    assert.is(w.store.settles.length, 1);
    const { move } = w.store.settles[0];
    assert.equal(move, interrupted(NOW));
    assert.is(move.to, 'queue');
    assert.is(status(move), 'interrupted');
    assert.is(last(move.append, 'ATTEMPT'), undefined, 'the attempt is not counted');
    assert.is(w.launcher.reqs.length, 1, 't2 was not started');
    assert.is(w.said(/requeued \(interrupted\) t1: signal SIGTERM/).length, 1, w.pane());
  });
}

// ---- the trust check ------------------------------------------------------------------------

L('store.check() is re-run once the clock has moved rescanMs; when it throws, the worker stops with that error', async ({ w }) => {
  const p = w.start({ untilEmpty: false, rescanMs: 1000 });
  await until('idle waits', () => w.store.waits.length >= 3);
  assert.is(w.store.checks, 1, 'checked at start only: the fake clock has not moved');
  const err = new OrcError('unsafe-tree', 'the task tree /fake/tree is writable by others');
  w.store.checkError = err;
  w.clock.advance(999);
  const seen = w.store.waits.length;
  await until('more idle waits', () => w.store.waits.length >= seen + 3);
  assert.is(w.store.checks, 1, 'not yet rescanMs');
  w.clock.advance(1);
  const got = await stopped(p).then(() => undefined, (e: unknown) => e);
  assert.is(got, err);
  assert.is(w.store.checks, 2);
  assert.ok(w.store.closed && w.launcher.closed && w.store.unregistered, 'cleaned up');
  assert.is(w.signals.listenerCount('SIGINT'), 0);
  assert.match(w.pane(), /worker-0 stopped\n$/);
});

L('store.check() throwing at start: the worker does not register or take anything', async ({ w }) => {
  const err = new OrcError('unsafe-tree', 'owned by another user');
  w.store.checkError = err;
  w.store.add('t1');
  const got = await stopped(w.start()).then(() => undefined, (e: unknown) => e);
  assert.is(got, err);
  assert.is(w.store.nexts, 0);
  assert.is(w.launcher.reqs.length, 0);
  assert.is(w.signals.listenerCount('SIGINT'), 0);
});

L.run();
