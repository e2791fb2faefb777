/** The live status line (src/cli/progress.ts) against a fake terminal: drawn in place, cleared, silent off a terminal. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bar, progress, statusText } from '../../src/cli/progress.ts';

process.env.TERM = 'xterm'; // a dumb terminal gets no line

const ERASE = '\r\x1b[K';

/** A stream that records what was written; a terminal when `isTTY`. */
function fake(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => void writes.push(s), text: () => writes.join('') };
}

/** What a terminal would show: each `\r\x1b[K` erases the line being written. */
function screen(text: string): string {
  return text.split('\n').map((line) => line.split(ERASE).at(-1)).join('\n');
}

test('bar and text: what is done of the total, elapsed time, cut to the width', () => {
  assert.is(bar(0, 10, 10), '[----------] 0/10');
  assert.is(bar(5, 10, 10), '[#####-----] 5/10');
  assert.is(bar(12, 10, 10), '[##########] 12/10');
  assert.is(statusText('queueing', 65_000, 80, 3, 4), 'queueing [###############-----] 3/4 · 1m05s');
  assert.is(statusText('t1: queued', 2_500, 80), 't1: queued · 2s');
  const cut = statusText('x'.repeat(100), 0, 40);
  assert.is(cut.length, 39);
  assert.ok(cut.endsWith('…'));
});

test('on a terminal: one line rewritten in place, then erased', () => {
  let now = 1000;
  const out = fake(true);
  const p = progress({ stream: out, now: () => now, tickMs: 0, minGapMs: 0, delayMs: 0 });
  p.update('t1: queued');
  assert.is(out.text(), `${ERASE}t1: queued · 0s`);
  now += 3000;
  p.update('t1: running');
  assert.is(screen(out.text()), 't1: running · 3s');
  assert.not.ok(out.text().includes('\n'), 'never a new line of its own');
  p.clear();
  assert.is(out.writes.at(-1), ERASE);
  assert.is(screen(out.text()), '');
  p.clear();
  assert.is(out.writes.filter((w) => w === ERASE).length, 1, 'clear is idempotent: nothing more to erase');
});

test('say prints a whole line above the status line and draws it again', () => {
  const out = fake(true);
  const p = progress({ stream: out, now: () => 0, tickMs: 0, minGapMs: 0, delayMs: 0 });
  p.update('waiting: 1 running, 2 queued', 1, 4);
  p.say('t1: done in 0.1s');
  assert.is(screen(out.text()), 't1: done in 0.1s\nwaiting: 1 running, 2 queued [#####---------------] 1/4 · 0s');
  p.clear();
  assert.is(screen(out.text()), 't1: done in 0.1s\n');
});

test('updates closer together than minGapMs are drawn once, except the last of a total', () => {
  let now = 0;
  const out = fake(true);
  const p = progress({ stream: out, now: () => now, tickMs: 0, minGapMs: 100, delayMs: 0 });
  for (let i = 1; i <= 1000; i++) {
    now += 0.05;
    p.update('queueing', i, 1000);
  }
  assert.is(out.writes.length, 2, 'the first and the last');
  assert.ok(out.writes[1].includes('1000/1000'));
});

test('delayMs (250 by default): a wait shorter than that draws nothing', () => {
  let now = 0;
  const out = fake(true);
  const p = progress({ stream: out, now: () => now, tickMs: 0, minGapMs: 0 });
  p.update('queueing', 10, 100);
  now = 100;
  p.update('queueing', 100, 100);
  p.clear();
  assert.equal(out.writes, []);
  const late = progress({ stream: out, now: () => now, tickMs: 0, minGapMs: 0, delayMs: 250 });
  now = 400;
  late.update('adding worker panes', 3, 50);
  assert.ok(out.text().includes('3/50'));
});

test('the line moves on its own: the elapsed time is redrawn every tick', async () => {
  const out = fake(true);
  const p = progress({ stream: out, tickMs: 10, delayMs: 0 });
  p.update('t1: queued');
  const before = out.writes.length;
  await new Promise((r) => setTimeout(r, 60));
  p.clear();
  assert.ok(out.writes.length >= before + 2, `redrawn: ${out.writes.length - before} writes`);
  const n = out.writes.length;
  await new Promise((r) => setTimeout(r, 40));
  assert.is(out.writes.length, n, 'no redraw after clear');
});

test('off a terminal, or with --json: no status line; say still prints its line', () => {
  for (const [out, enabled] of [[fake(false), true], [fake(true), false]] as const) {
    const p = progress({ stream: out, enabled, tickMs: 0, minGapMs: 0, delayMs: 0 });
    p.update('t1: queued');
    p.update('queueing', 5, 5);
    p.say('a notice');
    p.clear();
    assert.is(out.text(), 'a notice\n');
  }
});

test.run();
