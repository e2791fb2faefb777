/** The worker end to end: real CLI, real worker processes, a temp tree per test. */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cli, exited, names, REPO, start, testEnv, waitFor } from '../helpers.ts';
import { enqueue, field, fieldsOf, groupAlive, killSupervisors, launcherOf, locate, treeSuite } from './tree-helpers.ts';
import { startWorker } from '../../src/worker/main.ts';

const W = treeSuite('worker');

const worker = (root: string, id: string, ...extra: string[]) => start(['worker', '--id', id, ...extra], { env: testEnv(root) });
const stateOf = (root: string, id: string) => locate(root, id)?.state;
const until = (root: string, id: string, state: string, ms = 60000) => waitFor(`${id} in ${state}`, () => stateOf(root, id) === state, ms);

W('exactly once: 4 workers, 2,000 tasks, every ID appended exactly once', async ({ root, dir }) => {
  const out = path.join(dir, 'ran.txt');
  const input = Array.from({ length: 2000 }, () => `echo "$TASK_ID" >> ${out}`).join('\n');
  const r = await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input });
  const ids = r.stdout.trim().split('\n');
  assert.is(ids.length, 2000);
  const workers = [0, 1, 2, 3].map((i) => worker(root, String(i), '--until-empty'));
  for (const w of workers) assert.is((await exited(w, 180_000)).code, 0, w.out());
  const ran = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.is(ran.length, 2000, 'no task ran twice');
  assert.equal([...ran].sort(), [...ids].sort(), 'every ID ran');
  assert.is(names(root, 'done').length, 2000);
  assert.equal([names(root, 'queue'), names(root, 'running'), names(root, 'failed'), names(root, 'tmp')], [[], [], [], []]);
  const perWorker = workers.map((w) => (w.out().match(/ done /g) ?? []).length);
  assert.is(perWorker.reduce((a, b) => a + b, 0), 2000);
});

W('an idle worker wakes on enqueue; output goes to the pane and to logs/<ID>.out|.err', async ({ root }) => {
  const w = worker(root, '0');
  await waitFor('worker ready', () => w.out().includes('ready on'));
  const id = await enqueue(root, '--', 'echo to-out; echo to-err >&2; printf "%s" "$PWD"');
  await until(root, id, 'done');
  assert.is(fs.readFileSync(path.join(root, 'logs', `${id}.out`), 'utf8'), `to-out\n${process.cwd()}`);
  assert.is(fs.readFileSync(path.join(root, 'logs', `${id}.err`), 'utf8'), 'to-err\n');
  await waitFor('pane shows output', () => w.out().includes('to-out') && w.out().includes(`done ${id}`));
  // The start line, the task's output line (the start line quotes the command: hence the newlines), the end line.
  const pane = w.out();
  const [start, out, end] = [`start ${id}`, '\nto-out\n', `done ${id}`].map((s) => pane.indexOf(s));
  assert.ok(start >= 0 && start < out && out < end, pane);
  const text = locate(root, id)!.text;
  assert.equal([field(text, 'STATUS'), field(text, 'EXIT'), field(text, 'WORKER')], ['done', '0', '0']);
});

W('ENV and CWD apply to one task only; nothing leaks to the next', async ({ root, dir }) => {
  const w = worker(root, '0');
  const a = await enqueue(root, '-d', dir, '-e', 'LEAK=yes', '--', 'echo "$LEAK|$PWD"; export OTHER=1; cd /; umask 077');
  const b = await enqueue(root, '--', 'echo "${LEAK:-none}|${OTHER:-none}|$PWD|$(umask)"');
  await until(root, b, 'done');
  assert.is(fs.readFileSync(path.join(root, 'logs', `${a}.out`), 'utf8'), `yes|${dir}\n`);
  const umask = (process.umask()).toString(8).padStart(4, '0');
  assert.is(fs.readFileSync(path.join(root, 'logs', `${b}.out`), 'utf8'), `none|none|${process.cwd()}|${umask}\n`);
  w.kill('SIGTERM');
});

W('a CWD that does not exist fails the task with a reason; the worker carries on', async ({ root, dir }) => {
  // Enqueue refuses a missing directory, so this one goes away after it was queued.
  fs.mkdirSync(path.join(dir, 'missing'));
  const a = await enqueue(root, '-d', path.join(dir, 'missing'), '--', 'true');
  fs.rmdirSync(path.join(dir, 'missing'));
  const b = await enqueue(root, '--', 'true');
  const w = worker(root, '0');
  await until(root, b, 'done');
  const text = locate(root, a)!.text;
  assert.is(stateOf(root, a), 'failed');
  assert.match(field(text, 'REASON')!, /^bad-cwd: .*missing is not a directory/);
  assert.is(w.exitCode, null, 'worker alive');
});

W('--label: a worker claims only tasks with its label; --until-empty then exits', async ({ root }) => {
  const a = await enqueue(root, '--label', 'gpu', '--', 'true');
  const b = await enqueue(root, '--', 'true');
  const c = await enqueue(root, '-l', 'gpu', '--', 'true');
  const w = worker(root, '0', '--label', 'gpu', '--until-empty');
  assert.is((await exited(w, 30_000)).code, 0, w.out());
  assert.equal([stateOf(root, a), stateOf(root, b), stateOf(root, c)], ['done', 'queue', 'done']);
});

W('SIGKILL of a worker mid-task: the run finishes under its launcher, which records the result; the next worker settles it, never re-running it', async ({ root, dir }) => {
  const log = path.join(dir, 'runs.txt');
  const a = worker(root, '0');
  const id = await enqueue(root, '--', `echo "start $TASK_ATTEMPT" >> ${log}; sleep 2; echo "end $TASK_ATTEMPT" >> ${log}`);
  await waitFor('task started', () => fs.existsSync(log) && field(locate(root, id)!.text, 'PGID'));
  a.kill('SIGKILL');
  await exited(a);
  const b = worker(root, '1');
  await until(root, id, 'done', 30000);
  assert.equal(fs.readFileSync(log, 'utf8').trim().split('\n'), ['start 1', 'end 1']);
  const text = locate(root, id)!.text;
  assert.equal([field(text, 'EXIT'), field(text, 'STATUS'), fieldsOf(text, 'ATTEMPT')], ['0', 'done', ['1']], text);
  await waitFor('recovery said so', () => new RegExp(`recovered ${id} \\(.*its result was recorded\\) → done`).test(b.out()));
});

W('SIGKILL of a worker, its launcher and the task\'s recorder mid-task: the orphaned command is killed, the task requeued and run again once', async ({ root, dir }) => {
  const log = path.join(dir, 'runs.txt');
  const a = worker(root, '0');
  const id = await enqueue(root, '--', `echo "start $TASK_ATTEMPT" >> ${log}; sleep 3; echo "end $TASK_ATTEMPT" >> ${log}`);
  await waitFor('task started', () => fs.existsSync(log) && field(locate(root, id)!.text, 'PGID'));
  const pgid = Number(field(locate(root, id)!.text, 'PGID'));
  a.kill('SIGKILL');
  killSupervisors(pgid);
  await exited(a);
  assert.ok(groupAlive(pgid).length > 0, 'the orphaned task is still running before recovery');
  const b = worker(root, '1');
  await until(root, id, 'done', 30000);
  assert.equal(groupAlive(pgid), [], 'orphan group killed');
  assert.equal(fs.readFileSync(log, 'utf8').trim().split('\n'), ['start 1', 'start 2', 'end 2']);
  const text = locate(root, id)!.text;
  assert.match(text, /STATUS=stale\nREASON=stale: worker 0 \(pid \d+\) no longer holds it; requeued/);
  assert.match(b.out(), new RegExp(`recovered ${id}`));
});

W('stale beyond retries: failed with reason stale (tasks-health --fix)', async ({ root }) => {
  const a = worker(root, '0');
  const id = await enqueue(root, '--', 'sleep 30');
  await waitFor('running', () => field(locate(root, id)?.text ?? '', 'PGID'));
  fs.appendFileSync(locate(root, id)!.file, 'ATTEMPT=2\n'); // pretend its free re-run is spent
  a.kill('SIGKILL');
  killSupervisors(Number(field(locate(root, id)!.text, 'PGID')));
  await exited(a);
  const health = await cli(['tasks-health', '--json'], { env: testEnv(root) });
  assert.is(health.code, 8);
  assert.is(JSON.parse(health.stdout).stale[0].id, id);
  const fix = await cli(['tasks-health', '--fix', '--json'], { env: testEnv(root) });
  assert.equal(JSON.parse(fix.stdout).fixed.map((f: { id: string; to: string }) => [f.id, f.to]), [[id, 'failed']]);
  assert.match(field(locate(root, id)!.text, 'REASON')!, /^stale: /);
});

W('cancel of a task whose worker and launcher are gone: its recorder ends it, and cancel settles it as cancelled itself', async ({ root }) => {
  const a = worker(root, '0');
  const id = await enqueue(root, '--', 'sleep 30');
  await waitFor('running', () => field(locate(root, id)?.text ?? '', 'PGID'));
  const pgid = Number(field(locate(root, id)!.text, 'PGID'));
  a.kill('SIGKILL');
  process.kill(launcherOf(pgid), 'SIGKILL');
  await exited(a);
  const r = await cli(['tasks-cancel', id], { env: testEnv(root) });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /cancelled/);
  const text = locate(root, id)!.text;
  assert.equal([locate(root, id)!.state, field(text, 'STATUS'), field(text, 'SIGNAL')], ['failed', 'cancelled', 'SIGTERM'], text);
  assert.equal(groupAlive(pgid), []);
  assert.equal(fs.readdirSync(path.join(root, 'cancels')), [], 'the request is gone once honoured');
});

W('two recoverers racing never requeue a task twice', async ({ root }) => {
  const a = worker(root, '0');
  const id = await enqueue(root, '--', 'sleep 30');
  await waitFor('running', () => field(locate(root, id)?.text ?? '', 'PGID'));
  a.kill('SIGKILL');
  killSupervisors(Number(field(locate(root, id)!.text, 'PGID')));
  await exited(a);
  const fixes = await Promise.all([1, 2, 3, 4].map(() => cli(['tasks-health', '--fix', '--json'], { env: testEnv(root) })));
  const fixed = fixes.flatMap((f) => JSON.parse(f.stdout).fixed);
  assert.is(fixed.length, 1, JSON.stringify(fixed));
  const text = locate(root, id)!.text;
  assert.is(locate(root, id)!.state, 'queue');
  assert.equal(fieldsOf(text, 'STATUS'), ['stale']);
  assert.is(field(text, 'ATTEMPT'), '2');
});

W('first SIGINT drains: the running task finishes, the queue is left alone', async ({ root, dir }) => {
  const gate = path.join(dir, 'gate');
  const w = worker(root, '0');
  const a = await enqueue(root, '--', `while [ ! -e ${gate} ]; do sleep 0.05; done; echo finished`);
  const b = await enqueue(root, '--', 'true');
  await until(root, a, 'running');
  w.kill('SIGINT');
  await waitFor('drain message', () => w.out().includes('draining'));
  fs.writeFileSync(gate, '');
  assert.is((await exited(w)).code, 0);
  assert.is(stateOf(root, a), 'done');
  assert.is(stateOf(root, b), 'queue');
  assert.equal(names(root, 'workers'), [], 'unregistered');
});

W('SIGTERM drains too', async ({ root, dir }) => {
  const gate = path.join(dir, 'gate');
  const w = worker(root, '0');
  const a = await enqueue(root, '--', `while [ ! -e ${gate} ]; do sleep 0.05; done`);
  await until(root, a, 'running');
  w.kill('SIGTERM');
  await waitFor('drain message', () => w.out().includes('draining'));
  fs.writeFileSync(gate, '');
  assert.is((await exited(w)).code, 0);
  assert.is(stateOf(root, a), 'done');
});

W('a second SIGINT cancels the task, requeues it without counting an attempt, and exits', async ({ root }) => {
  const w = worker(root, '0');
  const a = await enqueue(root, '--', 'sleep 300 & sleep 300');
  await waitFor('running', () => field(locate(root, a)?.text ?? '', 'PGID'));
  const pgid = Number(field(locate(root, a)!.text, 'PGID'));
  w.kill('SIGINT');
  await waitFor('drain message', () => w.out().includes('draining'));
  w.kill('SIGINT');
  assert.is((await exited(w)).code, 0);
  const t = locate(root, a)!;
  assert.is(t.state, 'queue');
  assert.equal([field(t.text, 'STATUS'), field(t.text, 'ATTEMPT')], ['interrupted', '1']);
  await waitFor('group gone', () => groupAlive(pgid).length === 0, 10000);
});

W('dependencies: waits for done; a failed dependency fails the dependent with dependency-failed', async ({ root, dir }) => {
  const gate = path.join(dir, 'gate');
  const first = await enqueue(root, '--', `while [ ! -e ${gate} ]; do sleep 0.05; done`);
  const second = await enqueue(root, '--after', first, '--', 'true');
  const bad = await enqueue(root, '--', 'exit 4');
  const doomed = await enqueue(root, '--after', `${first},${bad}`, '--', 'true');
  const w0 = worker(root, '0');
  const w1 = worker(root, '1');
  await until(root, doomed, 'failed');
  assert.match(field(locate(root, doomed)!.text, 'REASON')!, new RegExp(`^dependency-failed: ${bad} failed`));
  assert.is(stateOf(root, second), 'queue', 'blocked while its dependency runs');
  fs.writeFileSync(gate, '');
  await until(root, second, 'done');
  const started = Date.parse(field(locate(root, second)!.text, 'STARTED')!);
  const finished = Date.parse(field(locate(root, first)!.text, 'FINISHED')!);
  assert.ok(started >= finished, 'started after its dependency finished');
  w0.kill('SIGTERM');
  w1.kill('SIGTERM');
});

W('delayed: --in starts no earlier than its time', async ({ root }) => {
  const w = worker(root, '0');
  await waitFor('worker ready', () => w.out().includes('ready on'));
  const id = await enqueue(root, '--in', '1500ms', '--', 'true');
  await until(root, id, 'done');
  const text = locate(root, id)!.text;
  assert.ok(Date.parse(field(text, 'STARTED')!) >= Date.parse(field(text, 'AT')!));
  assert.ok(Date.parse(field(text, 'AT')!) - Date.parse(field(text, 'ENQUEUED')!) >= 1500);
});

W('retries with exponential backoff, then failed; a flaky task succeeds on its second attempt', async ({ root, dir }) => {
  const w = worker(root, '0');
  const always = await enqueue(root, '--retries', '2', '--backoff', '300ms', '--', 'exit 1');
  const marker = path.join(dir, 'flaky');
  const flaky = await enqueue(root, '--retries', '3', '--backoff', '100ms', '--', `test -e ${marker} || { touch ${marker}; exit 1; }`);
  await until(root, always, 'failed');
  await until(root, flaky, 'done');
  const text = locate(root, always)!.text;
  const starts = fieldsOf(text, 'STARTED').map(Date.parse);
  const ends = fieldsOf(text, 'FINISHED').map(Date.parse);
  assert.is(starts.length, 3);
  assert.ok(starts[1] - ends[0] >= 300 && starts[2] - ends[1] >= 600, `backoff ${starts[1] - ends[0]}, ${starts[2] - ends[1]}`);
  assert.is(field(text, 'ATTEMPT'), '3');
  assert.is(field(locate(root, flaky)!.text, 'ATTEMPT'), '2');
  w.kill('SIGTERM');
});

W('timeout: the whole group is killed and the task fails with status timeout', async ({ root }) => {
  const w = worker(root, '0');
  const id = await enqueue(root, '--timeout', '500ms', '--', 'sleep 300 & sleep 300');
  await until(root, id, 'failed');
  const text = locate(root, id)!.text;
  assert.equal([field(text, 'STATUS'), field(text, 'REASON')], ['timeout', 'timeout after 500ms']);
  assert.equal(groupAlive(Number(field(text, 'PGID'))), []);
  w.kill('SIGTERM');
});

W('cancel of a running task with children: none survive; status cancelled; worker goes on', async ({ root }) => {
  const w = worker(root, '0');
  const id = await enqueue(root, '--', "bash -c 'sleep 300 & sleep 300'");
  await waitFor('running', () => field(locate(root, id)?.text ?? '', 'PGID'));
  const pgid = Number(field(locate(root, id)!.text, 'PGID'));
  await waitFor('children started', () => groupAlive(pgid).length >= 3);
  const r = await cli(['tasks-cancel', id], { env: testEnv(root) });
  assert.is(r.code, 0, r.stderr);
  assert.is(stateOf(root, id), 'failed');
  assert.is(field(locate(root, id)!.text, 'STATUS'), 'cancelled');
  await waitFor('group gone', () => groupAlive(pgid).length === 0, 10000);
  const next = await enqueue(root, '--', 'true');
  await until(root, next, 'done');
  assert.is(w.exitCode, null);
});

W('--wait blocks until the task ends and exits with its exit code', async ({ root }) => {
  const w = worker(root, '0');
  const r = await cli(['tasks-enqueue', '--wait', '--', 'exit 7'], { env: testEnv(root) });
  assert.is(r.code, 7);
  const ok = await cli(['tasks-enqueue', '-w', '--', 'true'], { env: testEnv(root) });
  assert.is(ok.code, 0);
  w.kill('SIGTERM');
});

W('tail -f follows the output until the task ends', async ({ root, dir }) => {
  const gate = path.join(dir, 'gate');
  const w = worker(root, '0');
  const id = await enqueue(root, '--', `echo one; while [ ! -e ${gate} ]; do sleep 0.05; done; echo two`);
  await until(root, id, 'running');
  const tail = cli(['tasks-tail', id, '-f'], { env: testEnv(root) });
  fs.writeFileSync(gate, '');
  const r = await tail;
  assert.is(r.code, 0);
  assert.is(r.stdout, 'one\ntwo\n');
  w.kill('SIGTERM');
});

W('tail -f started while a task writes fast: its last lines and what follows are one unbroken run of the output', async ({ root, dir }) => {
  const gate = path.join(dir, 'gate');
  const w = worker(root, '0');
  // Counts as fast as the shell can until the gate opens, then a little more.
  const id = await enqueue(root, '--', `i=0; while [ ! -e ${gate} ] || [ $i -lt 20000 ]; do i=$((i+1)); echo $i; done; echo END`);
  await waitFor('output', () => (fs.statSync(path.join(root, 'logs', `${id}.out`), { throwIfNoEntry: false })?.size ?? 0) > 1000);
  const tail = start(['tasks-tail', id, '-f', '-n', '3'], { env: testEnv(root) });
  let stdout = '';
  tail.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const closed = new Promise((res) => tail.on('close', res));
  // The gate opens once the follower has shown the last lines: it follows a log still growing.
  await waitFor('the last lines', () => stdout.split('\n').length > 3);
  fs.writeFileSync(gate, '');
  assert.is((await exited(tail)).code, 0, tail.err());
  await closed;
  const r = { stdout };
  const lines = r.stdout.trimEnd().split('\n');
  assert.is(lines.pop(), 'END');
  assert.ok(lines.length > 3, `${lines.length} lines`);
  const first = Number(lines[0]);
  lines.forEach((l, i) => assert.is(l, String(first + i), `line ${i} follows line ${i - 1} (nothing lost or shown twice)`));
  assert.is((await cli(['tasks-tail', id, '-n', '0'], { env: testEnv(root) })).stdout, '', '-n 0 prints nothing');
  w.kill('SIGTERM');
});

W('a recurring task goes back to the queue with the same ID, due one period later', async ({ root }) => {
  const w = worker(root, '0');
  const id = await enqueue(root, '--every', '1h', '--', 'true');
  await waitFor('ran once', () => field(locate(root, id)?.text ?? '', 'RUNS') === '1');
  const t = locate(root, id)!;
  assert.is(t.state, 'queue');
  const due = Date.parse(field(t.text, 'DUE')!);
  assert.ok(due - Date.parse(field(t.text, 'ENQUEUED')!) >= 3_600_000 - 1000);
  w.kill('SIGTERM');
});

W('--poll mode (no watcher) still picks up tasks; the seed script runs a worker', async ({ root }) => {
  const w = worker(root, '0', '--poll');
  const id = await enqueue(root, '--', 'true');
  await until(root, id, 'done');
  w.kill('SIGTERM');
  await exited(w);
  const seed = spawn('bash', [path.join(REPO, 'scripts/tmux_task_worker.sh'), root, '5'], { env: testEnv(root), stdio: 'ignore' });
  try {
    const id2 = await enqueue(root, '--', 'true');
    await until(root, id2, 'done');
    assert.is(field(locate(root, id2)!.text, 'WORKER'), '5');
  } finally {
    seed.kill('SIGTERM');
  }
});

W('a busy worker does not listen, yet a task queued meanwhile runs as soon as it is idle', async ({ root, dir }) => {
  const go = path.join(dir, 'go');
  const a = await enqueue(root, '--', `while [ ! -e ${go} ]; do sleep 0.02; done`);
  const pane = fs.openSync(path.join(dir, 'pane'), 'w');
  // In-process, to turn the periodic rescan off: only the look at the directory on going idle
  // can find B, and without it --until-empty would leave B queued.
  const worker = startWorker({ root, rescanMs: 3_600_000, untilEmpty: true, paneFd: pane });
  await until(root, a, 'running');
  const b = await enqueue(root, '--', 'true');
  fs.writeFileSync(go, '');
  await worker;
  assert.is(stateOf(root, a), 'done');
  assert.is(stateOf(root, b), 'done');
});

W('a busy worker reads queue/ every rescanMs, so a task that jumps the queue runs before older ones', async ({ root, dir }) => {
  const go = path.join(dir, 'go');
  const a = await enqueue(root, '--', `while [ ! -e ${go} ]; do sleep 0.02; done`);
  const older = await enqueue(root, '--', 'true');
  const pane = fs.openSync(path.join(dir, 'pane'), 'w');
  const rescanMs = 200;
  const worker = startWorker({ root, rescanMs, untilEmpty: true, paneFd: pane });
  await until(root, a, 'running');
  const urgent = await enqueue(root, '-p', '10', '--', 'true');
  // A's end comes more than rescanMs after the worker's last read, which was before urgent existed.
  const queuedAt = Date.now();
  await waitFor(`${rescanMs} ms`, () => Date.now() - queuedAt > rescanMs);
  fs.writeFileSync(go, '');
  await worker;
  const lines = fs.readFileSync(path.join(dir, 'pane'), 'utf8');
  assert.ok(lines.indexOf(`start ${urgent}`) >= 0 && lines.indexOf(`start ${urgent}`) < lines.indexOf(`start ${older}`), lines);
});

W.run();
