import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { columnWidths, printTable } from '../../src/cli/output.ts';

/** A stand-in for stdout that keeps what is written. */
function sink(tty?: { columns: number }): NodeJS.WriteStream & { text: string } {
  const out = { text: '', isTTY: tty !== undefined, columns: tty?.columns, write: (s: string) => ((out.text += s), true) };
  return out as unknown as NodeJS.WriteStream & { text: string };
}

for (const [name, header, rows, widths] of [
  ['header only', ['ID', 'STATE', 'CMD'], [], [2, 5, 3]],
  ['cells wider than headers; the last column is free text', ['A', 'B', 'C'], [['abc', 'x', 'a very long command'], ['a', 'xyzw', '']], [3, 4, 1]],
  ['short rows: only their own non-last cells count', ['A', 'B', 'C'], [['wide-cell'], ['x', 'wider-cell', 'c']], [1, 10, 1]],
  ['cells beyond the header are not measured', ['A'], [['abc', 'def', 'ghi']], [3]],
] as Array<[string, string[], string[][], number[]]>) {
  test(`columnWidths: ${name}`, () => assert.equal(columnWidths(header, rows), widths));
}

test('columnWidths takes 200,000 rows (no argument spread)', () => {
  const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), 'x']);
  assert.equal(columnWidths(['N', 'CMD'], rows), [6, 3]);
});

test('printTable: padded columns, two spaces apart, the last one whole in a pipe', () => {
  const out = sink();
  printTable(['ID', 'STATE', 'COMMAND'], [['a1', 'queue', 'echo hi'], ['long-id', 'done', 'x'.repeat(200)]], out);
  assert.is(out.text, `ID       STATE  COMMAND\na1       queue  echo hi\nlong-id  done   ${'x'.repeat(200)}\n`);
});

test('printTable: on a terminal a line is cut to the screen width with an ellipsis', () => {
  const out = sink({ columns: 20 });
  printTable(['ID', 'COMMAND'], [['a', 'echo 0123456789abcdef']], out);
  assert.is(out.text, 'ID  COMMAND\na   echo 0123456789…\n');
});
