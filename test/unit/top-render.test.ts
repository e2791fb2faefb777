/** top's screen layout, pure: every frame fits its size; sections share a short screen; ASCII without colour. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layout, render, toAscii } from '../../src/top/render.js';
import type { Snapshot } from '../../src/top/snapshot.js';
import type { TaskRow } from '../../src/queue/list-rows.js';

const NOW = Date.parse('2026-12-04T12:00:00.000Z');

function snap(workers: number, agents: number, failures: number, cmd = 'make test'): Snapshot {
  return {
    at: NOW,
    root: '/home/someone/project/var/tmux/agents/tasks',
    counts: { queue: 100_000, held: 0, running: workers, done: 123_456, failed: failures },
    oldestQueuedMs: 3_723_000,
    workers: Array.from({ length: workers }, (_, i) => ({
      id: String(i), host: 'buildhost', pid: 100 + i, started: NOW - 60_000, heartbeat: NOW, alive: i !== 1,
      task: i % 2 === 0 ? { id: `task-${i}`, started: NOW - 83_000, cmd, attempt: 1 } : undefined,
    })),
    agents: Array.from({ length: agents }, (_, i) => ({
      name: `eng-${i}`, role: 'engineer', state: 'busy' as const, reason: 'screen changed 1s ago', since: new Date(NOW - 125_000).toISOString(),
      observed: { state: 'busy' as const, reason: '' },
    })),
    failures: Array.from({ length: failures }, (_, i): TaskRow => ({
      id: `bad-${i}`, state: 'failed', status: 'failed', attempt: 1, exit: 2, priority: 0, ageMs: 61_000, cmd, file: `/x/${i}`, label: i ? undefined : 'nightly',
    })),
    stale: 0,
  };
}

const visible = (l: string) => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length;

const CASES: Array<[string, Snapshot, number, number]> = [
  ['empty tree, 80x24', snap(0, 0, 0), 80, 24],
  ['a few of each, 80x24', snap(4, 2, 3), 80, 24],
  ['more than fits, 80x24', snap(40, 12, 50, 'python train.py --epochs 100 --data /very/long/path/to/a/dataset '.repeat(3)), 80, 24],
  ['a phone-sized 40x12', snap(8, 3, 9), 40, 12],
  ['wide and tall', snap(16, 4, 20), 200, 60],
  ['unicode and newlines in commands', snap(2, 0, 2, 'echo héllo\nprintf "✓\t"'), 80, 24],
];

for (const [name, s, cols, rows] of CASES) {
  for (const color of [false, true]) {
    test(`${name}${color ? ', colour' : ', NO_COLOR'}: fits ${cols}x${rows}`, () => {
      const lines = render(s, { cols, rows, color, now: NOW });
      assert.ok(lines.length <= rows, `${lines.length} lines`);
      for (const l of lines) assert.ok(visible(l) <= cols, `too wide: ${JSON.stringify(l)}`);
      if (!color) for (const l of lines) assert.ok(/^[\x20-\x7e]*$/.test(l), `not plain ASCII: ${JSON.stringify(l)}`);
      assert.match(lines[0], /tmux-orc top/);
      assert.match(lines[1].replace(/\x1b\[[0-9;]*m/g, ''), cols >= 80 ? /^queue 100000 \(oldest 1h02m\)  running \d+  done 123456  failed \d+/ : /^queue/);
    });
  }
}

test('a short screen gives each section a share and says how many are not shown', () => {
  const lines = render(snap(40, 12, 50), { cols: 80, rows: 24, color: false, now: NOW });
  const text = lines.join('\n');
  assert.match(text, /WORKERS\n worker-0@buildhost\s+busy\s+1m23s  task-0  make test/);
  assert.match(text, / \+\d+ more/);
  assert.match(text, /AGENTS\n eng-0\s+busy\s+2m05s  screen changed 1s ago/);
  assert.match(text, /LATEST FAILURES\n bad-0  exit 2  1m01s ago  \[nightly\] make test/);
  assert.match(text, /worker-1@buildhost\s+dead/);
});

test('held tasks are counted in the header only when there are any', () => {
  const s = snap(1, 0, 0);
  assert.not.match(render(s, { cols: 80, rows: 24, color: false, now: NOW })[1], /held/);
  s.counts.held = 3;
  assert.match(render(s, { cols: 80, rows: 24, color: false, now: NOW })[1], /^queue 100000 \(oldest 1h02m\)  held 3  running 1/);
});

test('layout: all fit when there is room; otherwise the smallest shares grow first', () => {
  const T: Array<[number[], number, number[]]> = [
    [[3, 2, 1], 10, [3, 2, 1]],
    [[10, 10, 10], 9, [3, 3, 3]],
    [[10, 1, 10], 9, [4, 1, 4]],
    [[1, 1, 1], 0, [0, 0, 0]],
    [[20, 2, 0], 5, [3, 2, 0]],
  ];
  for (const [wants, total, want] of T) assert.equal(layout(wants, total), want, `${wants} in ${total}`);
});

test('toAscii: accents dropped, other non-ASCII becomes ?', () => {
  assert.is(toAscii('héllo ✓ ok'), 'hello ? ok');
});

test.run();
