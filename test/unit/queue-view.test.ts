import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QueueView } from '../../src/worker/queue-view.ts';
import { enqueueMany } from '../../src/queue/enqueue.ts';
import { tree } from '../../src/queue/tree.ts';

// [why, ms since the last read, how long it took, due to be read again]
const rows: Array<[string, number, number, boolean]> = [
  ['within rescanMs', 1999, 2, false],
  ['rescanMs passed', 2000, 2, true],
  ['a 0.2 s read waits 10 s, not 2', 9999, 200, false],
  ['… and then reads', 10_000, 200, true],
];

for (const [why, since, took, due] of rows) {
  test(`stale: ${why}`, () => {
    const v = new QueueView(tree('/nonexistent'));
    v.scannedAt = 1_000_000;
    v.scanMs = took;
    assert.is(v.stale(1_000_000 + since, 2000), due);
  });
}

test('stale: never read', () => {
  assert.ok(new QueueView(tree('/nonexistent')).stale(Date.now(), 2000));
});

test('a file the view read while it waited, claimed since by another worker, is not offered', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-view-'));
  try {
    const t = tree(path.join(dir, 'tasks'));
    const start = Date.now() + 60_000;
    enqueueMany(t, { at: start }, ['true', 'true']);
    const v = new QueueView(t);
    v.rescan();
    const waiting = v.next(Date.now());
    assert.equal([waiting.kind, waiting.kind === 'idle' && waiting.nextDue], ['idle', start], 'both read, both waiting');
    const first = v.next(start);
    assert.is(first.kind, 'run');
    // Another worker claims it: the view still holds what it read, but must not offer the name.
    assert.ok(first.kind === 'run' && (fs.renameSync(`${t.dir('queue')}/${first.name}`, `${t.dir('running')}/${first.name}`), true));
    const second = v.next(start);
    assert.ok(second.kind === 'run' && second.name !== (first as { name: string }).name, JSON.stringify(second));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
