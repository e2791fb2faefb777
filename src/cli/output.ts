/** Printing helpers shared by the commands: JSON for scripts, aligned columns for people. */
import fs from 'node:fs';

/**
 * Print with synchronous writes to file descriptor 1, never creating process.stdout: that loads
 * Node's stream modules, ~5 ms of an enqueue's start-up. A reader that went away ends the process
 * quietly (exit 0), as cli.ts does for the stream; a descriptor someone made non-blocking is left
 * to the stream, which waits for it.
 */
export function writeOut(text: string): void {
  const bytes = Buffer.from(text);
  let at = 0;
  try {
    while (at < bytes.length) at += fs.writeSync(1, bytes, at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(0);
    if (code !== 'EAGAIN') throw err;
    process.stdout.write(bytes.subarray(at));
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Aligned columns. The last column is free text; on a terminal it is cut to the screen width,
 * in a pipe it is printed whole.
 */
export function printTable(header: string[], rows: string[][], out: NodeJS.WriteStream = process.stdout): void {
  const widths = columnWidths(header, rows);
  if (out.isTTY) out.write(tableText([header, ...rows], widths, out.columns || 100));
  else for (const block of tableBlocks([header, ...rows], widths)) out.write(block);
}

/**
 * The width of each column but the last (free text): its longest cell or header. A plain loop:
 * `Math.max(...cells)` overflows the stack beyond ~120,000 rows.
 */
export function columnWidths(header: string[], rows: string[][]): number[] {
  const widths = header.map((h) => h.length);
  for (const r of rows) {
    const padded = Math.min(r.length - 1, widths.length);
    for (let i = 0; i < padded; i++) widths[i] = Math.max(widths[i], r[i].length);
  }
  return widths;
}

/** The table's lines: cells padded to their column's width, two spaces apart, each line cut to `cols`. */
export function tableText(rows: string[][], widths: number[], cols = Infinity): string {
  const lines = rows.map((r) => {
    const line = r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ');
    return line.length > cols ? `${line.slice(0, Math.max(cols - 1, 0))}…` : line;
  });
  return `${lines.join('\n')}\n`;
}

/** Bytes per write to a file or pipe: a few writes, and never one 7 MB string for 100,000 rows. */
const BLOCK_BYTES = 1 << 20;

/**
 * tableText with no width limit, as UTF-8 blocks: each cell is written straight into a buffer of
 * spaces, so padding costs nothing. At 100,000 rows this takes half the time of padding strings,
 * joining them and encoding the result, and leaves far less garbage.
 */
export function* tableBlocks(rows: string[][], widths: number[]): Generator<Buffer> {
  let block = Buffer.alloc(0);
  let used = 0;
  for (const r of rows) {
    const most = maxLineBytes(r, widths);
    if (used + most > block.length) {
      if (used) yield block.subarray(0, used);
      block = Buffer.alloc(Math.max(BLOCK_BYTES, most), ' ');
      used = 0;
    }
    used = writeLine(block, used, r, widths);
  }
  if (used) yield block.subarray(0, used);
}

/** Write one line at `at` in a buffer of spaces; returns where the next line starts. */
function writeLine(block: Buffer, at: number, r: string[], widths: number[]): number {
  const last = r.length - 1;
  for (let i = 0; i < last; i++) {
    // Padding as padEnd counts it (UTF-16 code units), then the two-space gap: both already spaces.
    at += block.write(r[i], at) + Math.max((widths[i] ?? 0) - r[i].length, 0) + 2;
  }
  if (last >= 0) at += block.write(r[last], at);
  block[at] = 0x0a; // \n
  return at + 1;
}

/** An upper bound of a line's bytes: a UTF-16 code unit is at most 3 bytes of UTF-8. */
function maxLineBytes(r: string[], widths: number[]): number {
  let bytes = 1;
  for (let i = 0; i < r.length; i++) bytes += 3 * r[i].length + (i < r.length - 1 ? Math.max((widths[i] ?? 0) - r[i].length, 0) + 2 : 0);
  return bytes;
}
