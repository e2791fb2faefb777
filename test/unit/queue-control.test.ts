/**
 * Queue control's pure parts and one race made deterministic: tasks-edit's field changes (a
 * table), --after-any readiness (a table), the new spec keys round-tripping, and a claim whose
 * rename lands after a pause was written (it is given back, unrun).
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyEdit, type Edit } from '../../src/queue/edit-fields.ts';
import { readiness, type DepState } from '../../src/queue/lifecycle.ts';
import { parseTask, specFields, type Task } from '../../src/queue/task.ts';
import { decode, encode, type Fields } from '../../src/persist/codec.ts';
import { claimsSettled, pause, pausedFor, pausedNow, resume, groupProblem } from '../../src/queue/pause.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { enqueue } from '../../src/queue/enqueue.ts';
import { treeWorkerStore } from '../../src/queue/worker-store.ts';
import { holderFor } from '../../src/queue/holder.ts';
import { OrcError } from '../../src/errors.ts';
import { cleanup, HAVE_PERL, tempDir } from '../helpers.ts';
import { KeyTaken, releaseKey, takeKey } from '../../src/queue/unique.ts';
import { HOST, processStart } from '../../src/persist/proc.ts';
import { workerWord, type PaneStatus } from '../../src/session/status.ts';

const base: Fields = [['ID', 'a'], ['CMD', 'echo 1'], ['CWD', '/x'], ['ENV', 'A=1'], ['ENV', 'B=2'], ['LABEL', 'l'], ['ENQUEUED', '2026-01-01T00:00:00.000Z'],
  ['ATTEMPT', '2'], ['DUE', '2026-01-01T00:01:00.000Z']];

const EDITS: Array<[string, Edit, Fields]> = [
  ['command replaced in place', { cmd: 'echo 2' }, [['ID', 'a'], ['CMD', 'echo 2'], ...base.slice(2)]],
  ['env: one replaced, one added, the other kept', { env: ['B=3', 'C=4'] },
    [['ID', 'a'], ['CMD', 'echo 1'], ['CWD', '/x'], ['ENV', 'A=1'], ['ENV', 'B=3'], ['ENV', 'C=4'], ['LABEL', 'l'], ...base.slice(6)]],
  ['new keys go before the run records', { priority: 5, group: 'g' },
    [...base.slice(0, 7), ['PRIORITY', '5'], ['GROUP', 'g'], ...base.slice(7)]],
  ['priority 0 is dropped, not written', { priority: 0 }, base],
  ['--at replaces AT and drops DUE', { at: Date.parse('2027-01-01T00:00:00Z') },
    [...base.slice(0, 7), ['AT', '2027-01-01T00:00:00.000Z'], ['ATTEMPT', '2']]],
  ['label and cwd replaced where they were', { label: 'm', cwd: '/y' }, [['ID', 'a'], ['CMD', 'echo 1'], ['CWD', '/y'], ['ENV', 'A=1'], ['ENV', 'B=2'], ['LABEL', 'm'], ...base.slice(6)]],
];

for (const [name, e, want] of EDITS) {
  test(`applyEdit: ${name}`, () => {
    const got = applyEdit(base, e);
    assert.equal(got, want);
    parseTask(got, 'a'); // still a valid task
  });
}

test('applyEdit refuses bad values (usage): priority out of range, env not NAME=value, a bad group', () => {
  for (const e of [{ priority: 1001 }, { env: ['1A=b'] }, { group: '-x' }] as Edit[]) {
    try {
      applyEdit(base, e);
      assert.unreachable(JSON.stringify(e));
    } catch (err) {
      assert.instance(err, OrcError);
      assert.is((err as OrcError).code, 'usage');
    }
  }
});

const task = (after: string[], afterAny: string[]) => ({ due: 0, after, afterAny } as unknown as Task);
const READY: Array<[string, string[], string[], Record<string, DepState>, string]> = [
  ['after-any: a failed dependency has ended', [], ['x'], { x: 'failed' }, 'ready'],
  ['after-any: done too', [], ['x'], { x: 'done' }, 'ready'],
  ['after-any: one still pending blocks', [], ['x', 'y'], { x: 'failed', y: 'pending' }, 'blocked'],
  ['after-any: a removed dependency has ended', [], ['x'], { x: 'missing' }, 'ready'],
  ['after: a failed dependency dooms it', ['x'], [], { x: 'failed' }, 'doomed'],
  ['both: after done, after-any failed', ['x'], ['y'], { x: 'done', y: 'failed' }, 'ready'],
];
for (const [name, after, afterAny, deps, want] of READY) {
  test(`readiness: ${name}`, () => assert.is(readiness(task(after, afterAny), 1, (id) => deps[id]).kind, want));
}

test('the new spec keys round-trip: AFTER_ANY, UNIQUE, ON_FINISH (with a newline), GROUP', () => {
  const f = specFields({ id: 'a', cmd: 'true', afterAny: ['b', 'c'], unique: 'k=1 $x', onFinish: 'echo "$TASK_ID"\nexit 0', extra: [['GROUP', 'g']] }, 0);
  const t = parseTask(decode(encode(f)), 'a');
  assert.equal(t.afterAny, ['b', 'c']);
  assert.is(t.unique, 'k=1 $x');
  assert.is(t.onFinish, 'echo "$TASK_ID"\nexit 0');
  assert.is(t.group, 'g');
  assert.throws(() => parseTask([['ID', 'a'], ['CMD', 'x'], ['AFTER_ANY', 'a']], 'a'), /AFTER_ANY names the task itself/);
});

test('pause and resume: idempotent, per group, read back; group names checked', () => {
  const dir = tempDir();
  try {
    const t = tree(path.join(dir, 'tree'));
    ensureTree(t);
    assert.is(pause(t, 'gpu'), true);
    assert.is(pause(t, 'gpu'), false);
    let p = pausedNow(t);
    assert.ok(pausedFor(p, 'gpu'));
    assert.not.ok(pausedFor(p, 'cpu'));
    assert.not.ok(pausedFor(p, undefined));
    assert.is(pause(t), true);
    p = pausedNow(t);
    assert.ok(pausedFor(p, undefined) && pausedFor(p, 'cpu'));
    assert.is(resume(t), true);
    assert.is(resume(t), false);
    assert.is(resume(t, 'gpu'), true);
    assert.equal(pausedNow(t), { groups: {} });
    assert.ok(groupProblem('../x'));
    assert.throws(() => pause(t, '../x'), /invalid group/);
  } finally {
    cleanup(dir);
  }
});

(HAVE_PERL ? test : test.skip)('a claim whose rename lands after a pause was written gives the task back unrun', async () => {
  const dir = tempDir();
  const holder = holderFor();
  const store = treeWorkerStore({ root: path.join(dir, 'tree'), holder, poll: true, rescanMs: 60_000 });
  try {
    const t = tree(path.join(dir, 'tree'));
    const id = await enqueue(t, { cmd: 'true' });
    const next = store.next(Date.now(), true);
    assert.is(next.kind, 'task', 'picked before the pause');
    pause(t); // between the pick and the claim's rename
    const taken = await store.take((next as { name: string }).name, 'tok', Date.now());
    assert.is(taken.kind, 'skipped');
    assert.is(fs.readdirSync(t.dir('running')).length, 0);
    assert.ok(fs.readdirSync(t.dir('queue'))[0].endsWith(`-${id}.task`), 'back in the queue, unchanged');
    assert.is(store.next(Date.now(), true).kind, 'idle', 'and not picked while paused');
    resume(t);
    assert.is(store.next(Date.now(), true).kind, 'task', 'picked again once resumed');
  } finally {
    store.close();
    holder.close();
    cleanup(dir);
  }
});

test('unique keys: a key naming no task is live while its enqueuer runs (between its two steps), a leftover once it is gone', async () => {
  const dir = tempDir();
  try {
    const t = tree(path.join(dir, 'tree'));
    ensureTree(t);
    const file = path.join(t.dir('unique'), Buffer.from('k').toString('base64url'));
    // An enqueue in progress: this process, alive, its task not written yet.
    fs.writeFileSync(file, `ghost\n${process.pid}\n${processStart(process.pid)}\n${HOST}\n`);
    try {
      await takeKey(t, 'k', 'a');
      assert.unreachable('taken while its enqueuer runs');
    } catch (err) {
      assert.instance(err, KeyTaken);
      assert.is((err as KeyTaken).holder, 'ghost');
    }
    // The same, its enqueuer gone (a pid with another start time): a leftover, cleared.
    fs.writeFileSync(file, `ghost\n${process.pid}\nnot-its-start\n${HOST}\n`);
    await takeKey(t, 'k', 'a');
    assert.is(fs.readFileSync(file, 'utf8').split('\n')[0], 'a');
    await takeKey(t, 'k', 'a'); // the holder itself (a retry) takes it again
    await releaseKey(t, 'k', 'b'); // not b's: kept
    assert.ok(fs.existsSync(file));
    await releaseKey(t, 'k', 'a');
    assert.not.ok(fs.existsSync(file));
    assert.equal(fs.readdirSync(t.dir('tmp')), [], 'no staged key left');
  } finally {
    cleanup(dir);
  }
});

test('claimsSettled: tasks-pause returns only once a claim in flight (renamed, no start record yet) has started, or left', async () => {
  const dir = tempDir();
  try {
    const t = tree(path.join(dir, 'tree'));
    ensureTree(t);
    const file = path.join(t.dir('running'), '2000-0000000000000001-a.task');
    fs.writeFileSync(file, 'ID=a\nCMD=true\nGROUP=g\n');
    let settled = false;
    const waiting = claimsSettled(t, undefined, 10_000).then(() => (settled = true));
    await new Promise((res) => setTimeout(res, 100));
    assert.not.ok(settled, 'still waiting for the claim to start');
    await claimsSettled(t, 'other', 10_000); // another group's pause does not wait for it
    fs.appendFileSync(file, 'ATTEMPT=1\nWORKER=0\nHOST=h\nWORKER_PID=1\nWORKER_START=1\nCLAIM=x\nSTARTED=2026-01-01T00:00:00.000Z\n');
    await waiting;
    assert.ok(settled);
    fs.writeFileSync(path.join(t.dir('running'), '2000-0000000000000002-b.task'), 'ID=b\nCMD=true\n');
    await claimsSettled(t, undefined, 200); // a claimer that died there: not waited on for ever (resolves)
  } finally {
    cleanup(dir);
  }
});

test('status: an idle worker of a paused tree says so', () => {
  const row = { workerState: { state: 'idle', pid: 1 }, paused: 'queue paused since x' } as unknown as PaneStatus;
  assert.is(workerWord(row), 'idle (paused)');
  assert.is(workerWord({ ...row, paused: undefined }), 'idle');
});

test.run();
