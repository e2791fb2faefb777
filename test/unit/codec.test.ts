import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, encode, last, type Fields } from '../../src/persist/codec.ts';

const values: Array<[string, string]> = [
  ['plain', 'echo hello'],
  ['newline', 'line1\nline2\n'],
  ['injection', 'x\nCWD=/'],
  ['crlf', 'a\r\nb\r'],
  ['backslash', 'echo \\n \\\\ \\t'],
  ['quotes', `echo "double" 'single' \`back\``],
  ['dollar', 'echo $HOME ${PATH} $(id)'],
  ['equals', 'a=b=c==d'],
  ['tab', 'a\tb'],
  ['unicode', 'ünï 日本 🚀 \u2028'],
  ['leading space', '  padded  '],
  ['empty', ''],
  ['json-looking', '"quoted"'],
  ['nul', 'a\0b'],
];

for (const [name, value] of values) {
  test(`round-trip: ${name}`, () => {
    const fields: Fields = [['ID', 't1'], ['CMD', value], ['ENV', `X=${value}`]];
    const back = decode(encode(fields));
    assert.equal(back, fields);
  });
}

test('a newline in a value cannot inject another key', () => {
  const text = encode([['CMD', 'x\nCWD=/']]);
  assert.is(text.split('\n').filter(Boolean).length, 1);
  assert.is(last(decode(text), 'CWD'), undefined);
});

test('hand-written values mean literally what they say', () => {
  const f = decode('ID=a\nCMD=echo "\\n" $X\nENV=A=b=c\n');
  assert.is(last(f, 'CMD'), 'echo "\\n" $X');
  assert.is(last(f, 'ENV'), 'A=b=c');
});

test('blank and comment lines are skipped; repeated keys kept in order', () => {
  const f = decode('# a task\n\nENV=A=1\nENV=B=2\nSTATUS=x\nSTATUS=y');
  assert.equal(f, [['ENV', 'A=1'], ['ENV', 'B=2'], ['STATUS', 'x'], ['STATUS', 'y']]);
  assert.is(last(f, 'STATUS'), 'y');
});

for (const [name, text] of [
  ['keyless line', 'just some text'],
  ['empty key', '=value'],
  ['bad key', 'NOT A KEY=1'],
  ['bad json', 'CMD:json=not json'],
  ['json not a string', 'CMD:json=42'],
] as const) {
  test(`rejects ${name}`, () => {
    assert.throws(() => decode(text));
  });
}

test.run();
