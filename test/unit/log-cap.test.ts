/** Finding the marker of a capped log wherever the launcher can leave it (src/worker/launcher.pl). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findCap } from '../../src/queue/log-cap.ts';
import { endLines } from '../../src/queue/tail.ts';

const marker = (dropped: number, head: number, nl: boolean) =>
  `${nl ? '\n' : ''}[tmux-orc: ${dropped} bytes dropped here; the log keeps its first ${head} bytes and its last part (task_log_max ${head * 2})]\n`;

// [name, head bytes, head ends a line, tail bytes]: the tail is what the task wrote since the
// last cut; the launcher cuts after the write that passes the cap, so a file it is copying is
// larger than the cap by up to one 64 KiB write, and one it just made may have a tail of a line.
const cases: Array<[string, number, boolean, number]> = [
  ['just cut: tail of an eighth', 4096, true, 1024],
  ['grown to the cap', 4096, true, 4096],
  ['past the cap by most of a write (being copied)', 4096, true, 4096 + 65000],
  ['head cut mid-line', 4096, false, 4096 + 60000],
  ['a tail of one short line', 4096, true, 3],
  ['marker across two read chunks', (1 << 20) - 40, true, (1 << 20) + 50000],
];

for (const [name, head, nl, tailLen] of cases) {
  test(`findCap: ${name}`, () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cap-')), 'x.out');
    try {
      const mark = marker(123456, head, !nl);
      fs.writeFileSync(file, Buffer.concat([Buffer.alloc(head, 'h'), Buffer.from(mark), Buffer.alloc(tailLen, 't')]));
      const fd = fs.openSync(file, 'r');
      try {
        assert.equal(findCap(fd), { head, tail: head + mark.length, dropped: 123456 });
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
}

test('findCap: a log never cut has no marker, and output that looks like one elsewhere is not taken for it', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-cap-')), 'x.out');
  try {
    fs.writeFileSync(file, `${'a'.repeat(5000)}\n${marker(7, 100, false)}${'b'.repeat(5000)}\n`);
    const fd = fs.openSync(file, 'r');
    try {
      assert.is(findCap(fd), undefined);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

const ends: Array<[string, string, number, string]> = [
  ['-n 0 shows nothing', 'a\nb\n', 0, ''],
  ['the last two', 'a\nb\nc\n', 2, 'b\nc\n'],
  ['more than there are', 'a\n', 5, 'a\n'],
  ['an unfinished last line ends one', 'a\nb', 1, 'b\n'],
  ['empty', '', 3, ''],
];
for (const [name, text, n, want] of ends) test(`endLines: ${name}`, () => assert.is(endLines(text, n), want));

test.run();
