/** Groups and named locks (issue 18), the pure parts: names, task keys, /proc/locks holders, and how the queue view passes over a full group. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gateNameProblem, parseTask, specFields } from '../../src/queue/task.ts';
import { lockHolders } from '../../src/queue/locks.ts';
import { specFromArgs } from '../../src/cli/commands/tasks/enqueue-args.ts';
import { QueueView } from '../../src/worker/queue-view.ts';
import { tree } from '../../src/queue/tree.ts';
import { enqueueMany } from '../../src/queue/enqueue.ts';
import { setGroup } from '../../src/queue/groups.ts';
import { OrcError } from '../../src/errors.ts';
import { queuedState } from '../../src/queue/wait.ts';

// [name, acceptable]
const names: Array<[string, boolean]> = [
  ['gpu', true], ['db.main', true], ['a-b_c9', true], ['x'.repeat(64), true],
  ['', false], ['x'.repeat(65), false], ['../x', false], ['a/b', false], ['.hidden', false], ['-x', false], ['a..b', false], ['a b', false], ['é', false],
];
for (const [name, ok] of names) test(`name ${JSON.stringify(name)}: ${ok ? 'ok' : 'refused'}`, () => assert.is(gateNameProblem('group', name) === undefined, ok));

test('GROUP and LOCK are spec keys: written at enqueue, read back, contradicting values make the file invalid', () => {
  const f = specFields({ id: 'a', cmd: 'true', group: 'g', lock: 'L' }, 0);
  const t = parseTask(f);
  assert.equal([t.group, t.lock], ['g', 'L']);
  assert.throws(() => parseTask([...f, ['GROUP', 'h']]), /contradictory GROUP/);
  assert.throws(() => parseTask([['ID', 'a'], ['CMD', 'true'], ['LOCK', '../etc']]), /LOCK: invalid lock name/);
  assert.equal([parseTask([['ID', 'a'], ['CMD', 'true']]).group, parseTask([['ID', 'a'], ['CMD', 'true']]).lock], [undefined, undefined]);
});

test('--group and --lock are checked before anything is written', () => {
  assert.equal([specFromArgs({ group: 'g', lock: 'L' }, 'true', '/', 0).group, specFromArgs({ group: 'g', lock: 'L' }, 'true', '/', 0).lock], ['g', 'L']);
  for (const a of [{ group: 'a/b' }, { lock: '' }]) {
    try {
      specFromArgs(a, 'true', '/', 0);
      assert.unreachable();
    } catch (err) {
      assert.is((err as OrcError).code, 'usage');
    }
  }
});

const LOCKS = [
  '1: FLOCK  ADVISORY  WRITE 100 fe:00:10 0 EOF',
  '1: -> FLOCK  ADVISORY  WRITE 101 fe:00:10 0 EOF',
  '1: -> FLOCK  ADVISORY  READ 102 fe:00:10 0 EOF',
  '2: FLOCK  ADVISORY  READ 200 fe:00:20 0 EOF',
  '3: FLOCK  ADVISORY  READ 201 fe:00:20 0 EOF',
  '4: FLOCK  ADVISORY  WRITE 300 00:2d:30 0 EOF',
].join('\n');
// [what, the file's stat, holders, waiters]
const holders: Array<[string, { dev: number; ino: number }, Array<{ pid: number; shared: boolean }>, number]> = [
  ['an exclusive holder and two waiters', { dev: 0xfe00, ino: 10 }, [{ pid: 100, shared: false }], 2],
  ['two shared holders', { dev: 0xfe00, ino: 20 }, [{ pid: 200, shared: true }, { pid: 201, shared: true }], 0],
  ['an anonymous device matches by inode', { dev: 0x31, ino: 30 }, [{ pid: 300, shared: false }], 0],
  ['not locked', { dev: 0xfe00, ino: 99 }, [], 0],
];
for (const [what, st, held, waiting] of holders) test(`holders: ${what}`, () => assert.equal(lockHolders(LOCKS)(st), { held, waiting }));
test('holders: /proc/locks unreadable lists none', () => assert.equal(lockHolders(null)({ dev: 1, ino: 1 }), { held: [], waiting: 0 }));

test('the view passes over the tasks of a blocked group or lock for 0.1 s, doubling while it stays shut, offering the others meanwhile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-gates-'));
  try {
    const t = tree(path.join(dir, 'tasks'));
    enqueueMany(t, {}, ['true']); // makes the tree
    setGroup(t, 'g', 1);
    const now = Date.now();
    enqueueMany(t, { group: 'g' }, ['g1', 'g2'], now);
    enqueueMany(t, {}, ['plain'], now + 1);
    enqueueMany(t, { lock: 'L' }, ['locked'], now + 2);
    const v = new QueueView(t);
    v.rescan();
    const first = v.next(now);
    assert.ok(first.kind === 'run' && first.gates === undefined, 'the task enqueued first, ungrouped');
    v.drop((first as { name: string }).name);
    const g = v.next(now);
    assert.ok(g.kind === 'run' && g.gates?.join() === 'group:g', JSON.stringify(g));
    v.block('group:g', now);
    const plain = v.next(now);
    assert.ok(plain.kind === 'run' && plain.gates === undefined, `a group task is passed over: ${JSON.stringify(plain)}`);
    v.drop((plain as { name: string }).name);
    v.block('lock:L', now + 50);
    assert.equal(v.next(now), { kind: 'idle', nextDue: now + 100, empty: false }, 'all blocked: idle until the first block ends, not empty');
    const lockFirst = v.next(now + 120);
    assert.ok(lockFirst.kind === 'run' && lockFirst.gates?.join() === 'group:g', 'the group block ended first');
    v.block('group:g', now + 120);
    assert.equal(v.next(now + 120), { kind: 'idle', nextDue: now + 150, empty: false }, 'the lock block (0.1 s from +50) ends first');
    assert.equal(v.next(now + 160).kind === 'run' && (v.next(now + 160) as { gates?: string[] }).gates, ['lock:L']);
    const at = (ms: number) => (v.next(now + ms) as { gates?: string[] }).gates;
    assert.equal(at(310), ['lock:L'], 'the second block of g lasts 0.2 s: still shut at +310');
    assert.equal(at(330), ['group:g'], '… and open at +330');
    v.block('group:g', now + 330);
    assert.equal(at(330), ['lock:L']);
    v.unblock('group:g');
    const again = v.next(now + 330);
    assert.ok(again.kind === 'run' && again.gates?.join() === 'group:g', 'unblocked at once when this worker gave a slot back');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('what a queued task of a group or with a lock waits for, in words', () => {
  const t = (x: object) => ({ ...parseTask([['ID', 'a'], ['CMD', 'true']]), ...x });
  assert.is(queuedState(t({ group: 'g' }), () => true, 0), 'queued, waiting for a worker and a slot of group g');
  assert.is(queuedState(t({ group: 'g', lock: 'L' }), () => true, 0), 'queued, waiting for a worker and a slot of group g and lock L');
  assert.is(queuedState(t({}), () => true, 0), 'queued, waiting for a worker');
});

test.run();
