/**
 * How tasks are started: through the worker's Perl launcher (launcher.pl), which also holds each
 * claim under a kernel lock. Its program is checked by `perl -c`; a worker without perl refuses.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { cli, REPO, start, testEnv, waitFor } from '../helpers.ts';
import { enqueue, field, groupAlive, locate, treeSuite } from './tree-helpers.ts';

const L = treeSuite('launcher');

const worker = (root: string, launcher: string) => start(['worker', '--id', '0'], { env: testEnv(root, { TMUX_ORC_LAUNCHER: launcher }) });
const ended = async (root: string, id: string): Promise<string> =>
  (await waitFor(`${id} ended`, () => {
    const at = locate(root, id);
    return at && (at.state === 'done' || at.state === 'failed') ? at.text : undefined;
  }))!;
/** A log file's text; undefined when the task never wrote to that stream (no file is created). */
const log = (root: string, id: string, stream: 'out' | 'err') => {
  const file = path.join(root, 'logs', `${id}.${stream}`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
};

// [what, enqueue args, STATUS, EXIT, SIGNAL, REASON, stdout log, stderr log (a part of it)]
const cases: Array<[string, string[], string, string | undefined, string | undefined, string | undefined, string | undefined, string | undefined]> = [
  ['output to both logs', ['--', 'echo out; echo err >&2'], 'done', '0', undefined, undefined, 'out\n', 'err\n'],
  ['an exit code', ['--', 'exit 3'], 'failed', '3', undefined, 'exit 3', undefined, undefined],
  ['killed by a signal', ['--', 'kill -TERM $$'], 'failed', undefined, 'SIGTERM', 'signal SIGTERM', undefined, undefined],
  ['its variables and directory', ['-e', 'COLOUR=blue', '-d', '/', '--', 'echo "$COLOUR $PWD $TASK_ATTEMPT"'], 'done', '0', undefined, undefined, 'blue / 1\n', undefined],
  ['a missing program', ['--', 'no-such-program-xyz'], 'failed', '127', undefined, 'exit 127', undefined, 'no-such-program-xyz: command not found'],
  ['a timeout', ['--timeout', '1s', '--', 'sleep 30'], 'timeout', undefined, 'SIGTERM', 'timeout after 1s', undefined, undefined],
  ['output without a newline, then a long line', ['--', 'printf partial; head -c 200000 /dev/zero | tr "\\0" x'], 'done', '0', undefined, undefined, `partial${'x'.repeat(200_000)}`, undefined],
];

{
  L('exit codes, signals, env, cwd, logs and the pane', async ({ root }) => {
    const w = worker(root, 'perl');
    const ids: string[] = [];
    for (const [, args] of cases) ids.push(await enqueue(root, ...args));
    for (const [i, [what, , status, exit, signal, reason, out, err]] of cases.entries()) {
      const text = await ended(root, ids[i]);
      assert.equal(
        [field(text, 'STATUS'), field(text, 'EXIT'), field(text, 'SIGNAL'), field(text, 'REASON')],
        [status, exit, signal, reason], `${what}: ${text}`,
      );
      assert.is(log(root, ids[i], 'out'), out, what);
      const errLog = log(root, ids[i], 'err');
      assert.ok(err === undefined ? errLog === undefined : errLog?.includes(err), `${what}: ${errLog}`);
    }
    await waitFor('pane shows the output', () => w.out().includes('out\n') && w.out().includes('blue / 1') && w.err().includes('err\n'));
    // A task whose log is a directory is not started; one whose log becomes unwritable fails with the reason.
    fs.mkdirSync(path.join(root, 'logs', 'no-log.out'));
    await enqueue(root, '-i', 'no-log', '--', 'true');
    assert.match(field(await ended(root, 'no-log'), 'REASON')!, /^spawn-error: open \S*no-log\.out: (Is a directory|EISDIR)/);
    await enqueue(root, '-i', 'lost-log', '--', 'mkdir "$TASK_ROOT/logs/$TASK_ID.err"; echo to-stderr >&2; echo to-stdout');
    const lost = await ended(root, 'lost-log');
    assert.equal([field(lost, 'STATUS'), field(lost, 'EXIT')], ['failed', '0'], lost); // the command ran and exited 0; its log did not take it
    assert.match(field(lost, 'REASON')!, /^log-error: open \S*lost-log\.err: (Is a directory|EISDIR)/);
    assert.is(log(root, 'lost-log', 'out'), 'to-stdout\n', 'the other stream is still logged');
    await waitFor('the pane still shows what could not be logged', () => w.err().includes('to-stderr'));
    assert.is(w.exitCode, null, 'worker alive');
  });
}

L('a running task\'s output reaches the pane while it runs; its leftovers are killed when it ends', async ({ root, dir }) => {
  const w = worker(root, 'perl');
  const pidFile = path.join(dir, 'bg.pid');
  const id = await enqueue(root, '--', `sleep 300 & echo $! > ${pidFile}; echo early-line; sleep 2`);
  await waitFor('pane shows early output', () => w.out().includes('early-line'));
  assert.is(locate(root, id)?.state, 'running', 'still running');
  const text = await ended(root, id);
  assert.is(field(text, 'STATUS'), 'done');
  const pgid = Number(field(text, 'PGID'));
  await waitFor('no survivor in the task group', () => groupAlive(pgid).length === 0);
});

{
  L('a task ends when its command exits, even while a leftover keeps writing to its output', async ({ root }) => {
    worker(root, 'perl');
    const id = await enqueue(root, '--', '(while :; do echo tick; done) & sleep 0.5; echo main-done');
    const text = await ended(root, id);
    assert.is(field(text, 'STATUS'), 'done');
    assert.ok(log(root, id, 'out')!.includes('main-done\n'));
    await waitFor('the writer killed with its group', () => groupAlive(Number(field(text, 'PGID'))).length === 0);
  });
}

L('a line of plain words is exec\'d without bash, and sees what it would under bash -c', async ({ root, dir }) => {
  worker(root, 'perl');
  // A working directory reached through a symlink: bash sets PWD to the physical path.
  fs.mkdirSync(path.join(dir, 'real'));
  fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
  const direct = await enqueue(root, '-d', path.join(dir, 'link'), '--', 'env');
  const viaBash = await enqueue(root, '-d', path.join(dir, 'link'), '--', 'bash -c env');
  const env = async (id: string) => {
    assert.is(field(await ended(root, id), 'STATUS'), 'done');
    return log(root, id, 'out')!.split('\n').filter((l) => !l.startsWith('TASK_ID=')).sort();
  };
  const seen = await env(direct);
  assert.equal(seen, await env(viaBash));
  assert.ok(seen.includes(`PWD=${path.join(dir, 'real')}`) && seen.some((l) => /^_=\S*\/env$/.test(l)), seen.join('\n'));
  // A program on the task's own PATH; BASH_ENV (bash would read it first) sends the line to bash.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'hello'), '#!/bin/sh\necho "hello $1"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bash-env'), 'echo sourced\n');
  const own = await enqueue(root, '-e', `PATH=${path.join(dir, 'bin')}:/usr/bin:/bin`, '--', 'hello world');
  const bashEnv = await enqueue(root, '-e', `BASH_ENV=${path.join(dir, 'bash-env')}`, '--', 'true');
  const missing = await enqueue(root, '--', 'no-such-program-xyz arg');
  assert.is(field(await ended(root, own), 'STATUS'), 'done');
  assert.is(log(root, own, 'out'), 'hello world\n');
  assert.is(field(await ended(root, bashEnv), 'STATUS'), 'done');
  assert.is(log(root, bashEnv, 'out'), 'sourced\n');
  assert.equal([field(await ended(root, missing), 'EXIT'), log(root, missing, 'err')], ['127', 'bash: line 1: no-such-program-xyz: command not found\n']);
});

L('a task\'s variables are its own: the next task sees the worker\'s environment again', async ({ root }) => {
  // The Perl launcher sets a task's variables on top of its environment and takes them off after
  // the fork: a variable the task added must be gone, one it overrode must be the worker's again.
  start(['worker', '--id', '0'], { env: testEnv(root, { TMUX_ORC_LAUNCHER: 'perl', ORC_SHADE: 'worker' }) });
  const first = await enqueue(root, '-e', 'ORC_ADDED=task', '-e', 'ORC_SHADE=task', '-d', '/', '--', 'env');
  const second = await enqueue(root, '--', 'env');
  const seen = async (id: string) => {
    assert.is(field(await ended(root, id), 'STATUS'), 'done');
    return log(root, id, 'out')!.split('\n').filter((l) => l.startsWith('ORC_') || l.startsWith('PWD='));
  };
  const firstSaw = await seen(first);
  assert.ok(firstSaw.includes('ORC_ADDED=task') && firstSaw.includes('ORC_SHADE=task') && firstSaw.includes('PWD=/'), firstSaw.join('\n'));
  const secondSaw = await seen(second);
  assert.ok(!secondSaw.some((l) => l.startsWith('ORC_ADDED=')), secondSaw.join('\n'));
  assert.ok(secondSaw.includes('ORC_SHADE=worker') && !secondSaw.includes('PWD=/'), secondSaw.join('\n'));
});

L('the command starts only after its process group is in the task file', async ({ root }) => {
  worker(root, 'perl');
  const id = await enqueue(root, '--', 'grep -h "^PGID=" "$TASK_ROOT"/running/*"$TASK_ID".task; echo "own=$(cut -d" " -f5 /proc/$$/stat)"');
  assert.is(field(await ended(root, id), 'STATUS'), 'done');
  const [recorded, own] = (log(root, id, 'out') ?? '').trim().split('\n');
  assert.is(recorded, `PGID=${own.replace('own=', '')}`);
});

L('a killed launcher: its task is requeued (its group killed) and runs again; the worker goes on', async ({ root }) => {
  const w = worker(root, 'perl');
  const a = await enqueue(root, '--', 'echo started; [ "$TASK_ATTEMPT" = 1 ] && sleep 300; echo second');
  await waitFor('a has started', () => fs.existsSync(path.join(root, 'logs', `${a}.out`)) && log(root, a, 'out') === 'started\n');
  const pgid = Number(field(locate(root, a)!.text, 'PGID'));
  const launcher = Number(fs.readFileSync(`/proc/${pgid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  assert.match(fs.readFileSync(`/proc/${launcher}/cmdline`, 'utf8'), /^\S*perl\0/);
  process.kill(launcher, 'SIGKILL');
  const text = await ended(root, a);
  assert.equal([field(text, 'STATUS'), field(text, 'ATTEMPT')], ['done', '2'], text);
  assert.match(text, /REASON=stale: .*requeued/);
  assert.is(log(root, a, 'out'), 'started\nstarted\nsecond\n');
  await waitFor('its group killed', () => groupAlive(pgid).length === 0);
  const b = await enqueue(root, '--', 'echo again');
  assert.is(field(await ended(root, b), 'STATUS'), 'done');
  assert.is(w.exitCode, null, 'worker alive');
});

L('a task taken over while its supervisor was stopped past the lease is killed at once; its worker records nothing', async ({ root, dir }) => {
  const w = start(['worker', '--id', '0'], { env: testEnv(root, { TMUX_ORC_LEASE_MS: '1000' }) });
  const marker = path.join(dir, 'finished');
  const id = await enqueue(root, '--', `sleep 30; touch ${marker}`);
  await waitFor('running', () => field(locate(root, id)?.text ?? '', 'PGID'));
  const pgid = Number(field(locate(root, id)!.text, 'PGID'));
  // Stopped only once it has renewed the lease (the file's mtime) once: stopped before it armed its
  // renewal alarm, it would never look at the lease again.
  const recorded = fs.statSync(locate(root, id)!.file).mtimeMs;
  await waitFor('the recorder to renew the lease once', () => fs.statSync(locate(root, id)!.file).mtimeMs > recorded);
  process.kill(pgid, 'SIGSTOP'); // the recorder, which renews the lease
  // What a recoverer on a host that cannot see the lock does once the lease has lapsed: take the file.
  const taken = path.join(dir, 'taken.task');
  fs.renameSync(locate(root, id)!.file, taken);
  const stoppedAt = Date.now();
  await waitFor('the lease (1 s) lapsed twice over', () => Date.now() - stoppedAt > 2500);
  process.kill(pgid, 'SIGCONT');
  await waitFor('the worker says it lost the task', () => new RegExp(`lost ${id}: .*taken over`).test(w.out()));
  await waitFor('its whole group killed', () => groupAlive(pgid).length === 0);
  assert.not.ok(fs.existsSync(marker), 'the command did not go on');
  const text = fs.readFileSync(taken, 'utf8');
  assert.equal([field(text, 'EXIT'), field(text, 'SIGNAL'), field(text, 'STATUS')], [undefined, undefined, undefined], text);
  assert.is(locate(root, id), undefined, 'nothing was settled into the tree');
  assert.is(w.exitCode, null, 'worker alive');
});

L('the Perl program compiles (perl -c), and a worker told to use another launcher refuses in one line', async ({ root }) => {
  execFileSync('perl', ['-c', path.join(REPO, 'src/worker/launcher.pl')], { stdio: 'pipe' });
  const r = await cli(['worker'], { env: testEnv(root, { TMUX_ORC_LAUNCHER: 'node' }) });
  assert.is(r.code, 2);
  assert.match(r.stderr, /^tmux-orc: TMUX_ORC_LAUNCHER=node: the only launcher is perl/);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

L.run();
