import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { columnWidths, printTable, tableBlocks, tableText } from '../../src/cli/output.ts';

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

const blocksText = (rows: string[][], widths: number[]) => Buffer.concat([...tableBlocks(rows, widths)]).toString('utf8');

for (const [name, rows] of [
  ['plain ASCII', [['ID', 'STATE', 'CMD'], ['a', 'queue', 'echo hi'], ['bbb', 'done', '']]],
  ['non-ASCII cells pad by UTF-16 length, as padEnd does', [['ID', 'WHO', 'CMD'], ['é', 'wörker', 'echo ⏎ ü'], ['😀x', '', '日本語']]],
  ['empty, short and long rows', [['A', 'B', 'C'], [], ['only'], ['a', 'b', 'c', 'd', 'e'], ['', '', '']]],
  ['a line longer than a block', [['ID', 'CMD'], ['big', 'x'.repeat(3 << 20)], ['small', 'y']]],
  ['many rows over several blocks', [['ID', 'CMD'], ...Array.from({ length: 60_000 }, (_, i) => [`t${i}`, `echo ${'z'.repeat(i % 50)} ${i}`])]],
] as Array<[string, string[][]]>) {
  test(`tableBlocks writes the bytes of tableText: ${name}`, () => {
    const widths = columnWidths(rows[0] ?? [], rows.slice(1));
    assert.ok(blocksText(rows, widths) === tableText(rows, widths));
  });
}

test('tableBlocks: 100,000 short rows take a few blocks, not one write per row', () => {
  const rows = Array.from({ length: 100_000 }, (_, i) => [`t${i}`, 'queue', 'true']);
  const blocks = [...tableBlocks(rows, columnWidths(['ID', 'STATE', 'CMD'], rows))];
  assert.ok(blocks.length > 1 && blocks.length < 10, String(blocks.length));
});

test.run();
