import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QueueView } from '../../src/worker/queue-view.ts';
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

test.run();
