import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, encode } from '../../src/persist/codec.ts';
import { idProblem, parseTask, specFields, textFor } from '../../src/queue/task.ts';
import { nameInfo, taskName } from '../../src/queue/tree.ts';
import { newId } from '../../src/queue/enqueue.ts';

const parse = (text: string, nameId?: string) => parseTask(decode(text), nameId);

test('a seed file with only ID, CMD, CWD and ENV is a valid task', () => {
  const t = parse('ID=t1\nCMD=echo hi\nCWD=/tmp\nENV=A=1\nENV=B=x=y\n');
  assert.is(t.id, 't1');
  assert.is(t.cmd, 'echo hi');
  assert.is(t.cwd, '/tmp');
  assert.equal(t.env, [['A', '1'], ['B', 'x=y']]);
  assert.is(t.attempt, 1);
  assert.is(t.priority, 0);
});

test('spec fields round-trip through the codec', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const f = specFields({ id: 'x', cmd: 'a\nb', priority: 5, after: ['p', 'q'], at: now + 1000, timeoutMs: 90_000, retries: 2, backoffMs: 500, label: 'L', everyMs: 60_000 }, now);
  const t = parseTask(decode(encode(f)));
  assert.equal([t.id, t.cmd, t.priority, t.after, t.due, t.timeoutMs, t.retries, t.backoffMs, t.label, t.everyMs],
    ['x', 'a\nb', 5, ['p', 'q'], now + 1000, 90_000, 2, 500, 'L', 60_000]);
});

test('textFor (bulk enqueue) writes the same text as encode(specFields(...))', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const specs: Array<Parameters<typeof textFor>[0]> = [
    {},
    { cwd: '/w' },
    { cwd: '/a b', env: ['A=1', 'B=x=y'], priority: -3, after: ['p', 'q'], at: now + 1000, timeoutMs: 90_000, retries: 2, backoffMs: 500, label: 'L', everyMs: 60_000 },
    { label: 'l=$x "q"', extra: [['MY_KEY', 'kept'], ['NOTE', 'two\nlines']] },
  ];
  const rows: Array<[id: string, cmd: string]> = [['t1', 'true'], ['a.b-c_9', 'echo $FOO "x" \\ \t é'], ['x', 'line1\nCWD=/'], ['y', 'a\rb\0c'], ['z', '  padded\t ']];
  for (const spec of specs) {
    const text = textFor(spec, now);
    for (const [id, cmd] of rows) assert.is(text(id, cmd), encode(specFields({ ...spec, id, cmd }, now)), JSON.stringify({ spec, id, cmd }));
  }
  const t = parseTask(decode(textFor({ cwd: '/w' }, now)('x', 'line1\nCWD=/')));
  assert.equal([t.id, t.cmd, t.cwd], ['x', 'line1\nCWD=/', '/w']);
});

test('unknown keys are kept', () => {
  const t = parse('ID=a\nCMD=x\nMY_KEY=kept\n');
  assert.ok(t.fields.some(([k, v]) => k === 'MY_KEY' && v === 'kept'));
});

const invalid: Array<[string, string, RegExp]> = [
  ['no CMD', 'ID=a\n', /no CMD/],
  ['blank CMD', 'ID=a\nCMD=   \n', /no CMD/],
  ['contradictory IDs', 'ID=a\nID=b\nCMD=x\n', /contradictory ID/],
  ['contradictory CMDs', 'ID=a\nCMD=x\nCMD=y\n', /contradictory CMD/],
  ['contradictions named in key order, not file order', 'ID=a\nCMD=x\nCMD=y\nID=b\n', /contradictory ID/],
  ['ENV without =', 'ID=a\nCMD=x\nENV=NOPE\n', /ENV/],
  ['bad priority', 'ID=a\nCMD=x\nPRIORITY=high\n', /PRIORITY/],
  ['priority out of range', 'ID=a\nCMD=x\nPRIORITY=5000\n', /PRIORITY/],
  ['bad AT', 'ID=a\nCMD=x\nAT=tomorrow\n', /AT/],
  ['self dependency', 'ID=a\nCMD=x\nAFTER=a\n', /itself/],
  ['bad ID', 'ID=../x\nCMD=x\n', /invalid task ID/],
  ['EVERY zero', 'ID=a\nCMD=x\nEVERY=0\n', /EVERY/],
];
for (const [name, text, why] of invalid) {
  test(`invalid: ${name}`, () => {
    assert.throws(() => parse(text), why);
  });
}

test('a spec key repeated with the same value is no contradiction', () => {
  assert.is(parse('ID=a\nCMD=x\nCMD=x\nID=a\n').cmd, 'x');
});

test('the file name ID must agree with ID=', () => {
  assert.throws(() => parse('ID=a\nCMD=x\n', 'b'), /does not match/);
  assert.is(parse('CMD=x\n', 'b').id, 'b');
});

for (const [id, ok] of [
  ['t1', true], ['a.b_c-d', true], ['A'.repeat(128), true], ['A'.repeat(129), false], ['-x', false], ['.x', false],
  ['a/b', false], ['a..b', false], ['..', false], ['a b', false], ['', false], ['ü', false],
] as const) {
  test(`ID ${JSON.stringify(id.slice(0, 20))} is ${ok ? 'accepted' : 'refused'}`, () => {
    assert.is(idProblem(id) === undefined, ok);
  });
}

test('file names sort in dispatch order: priority first, then enqueue time', () => {
  const names = [taskName('late', 0, 3_000_000), taskName('early', 0, 1_000_000), taskName('urgent', 10, 5_000_000), taskName('low', -5, 0)];
  const sorted = [...names].sort().map((n) => nameInfo(n).id);
  assert.equal(sorted, ['urgent', 'early', 'late', 'low']);
});

test('seed names are read: ID recovered, ordered by their timestamp with priority 0', () => {
  const seed = nameInfo('1690000000_ab12_t169000000000.task');
  assert.is(seed.id, 't169000000000');
  const ours = nameInfo(taskName('x', 0, 1690000001 * 1e6));
  assert.ok(seed.key < ours.key);
  assert.is(nameInfo('garbage').id, undefined);
});

test('generated IDs sort by creation time, are valid, never start with -', () => {
  const ids = Array.from({ length: 2000 }, () => newId());
  assert.equal([...ids].sort(), ids);
  for (const id of ids) assert.is(idProblem(id), undefined);
  assert.is(new Set(ids).size, ids.length);
});

test.run();
