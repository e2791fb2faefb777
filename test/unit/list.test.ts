import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunksOf, claimChunk } from '../../src/queue/list-parallel.ts';
import type { NameBatch } from '../../src/queue/list-rows.ts';

const names = (n: number, prefix = 'n') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

for (const [name, batches, size, expected] of [
  ['nothing to list', [], 3, []],
  ['an empty directory gives no chunk', [{ dir: 'queue', names: [] }], 3, []],
  ['one directory, a short last chunk', [{ dir: 'queue', names: names(7) }], 3, [['queue', 3], ['queue', 3], ['queue', 1]]],
  ['exact multiple', [{ dir: 'done', names: names(6) }], 3, [['done', 3], ['done', 3]]],
  ['a chunk never spans two directories', [{ dir: 'queue', names: names(4) }, { dir: 'running', names: [] }, { dir: 'failed', names: names(2) }], 3,
    [['queue', 3], ['queue', 1], ['failed', 2]]],
] as Array<[string, NameBatch[], number, Array<[string, number]>]>) {
  test(`chunksOf: ${name}`, () => {
    const chunks = chunksOf(batches, size);
    assert.equal(chunks.map((c) => [c.dir, c.names.length]), expected);
    assert.equal(chunks.flatMap((c) => c.names), batches.flatMap((b) => b.names), 'every name once, in order');
  });
}

test('claimChunk hands out each index once, then indexes past the end', () => {
  const next = new Int32Array(new SharedArrayBuffer(4));
  assert.equal([claimChunk(next), claimChunk(next), claimChunk(next)], [0, 1, 2]);
});

test.run();
