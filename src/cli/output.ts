/** Printing helpers shared by the commands: JSON for scripts, aligned columns for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Aligned columns. The last column is free text; on a terminal it is cut to the screen width,
 * in a pipe it is printed whole.
 */
export function printTable(header: string[], rows: string[][], out: NodeJS.WriteStream = process.stdout): void {
  const widths = columnWidths(header, rows);
  const cols = out.isTTY ? out.columns || 100 : Infinity;
  const lines = [header, ...rows].map((r) => {
    const line = r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ');
    return line.length > cols ? `${line.slice(0, Math.max(cols - 1, 0))}…` : line;
  });
  out.write(`${lines.join('\n')}\n`); // one write: 100,000 rows are one syscall, not 100,000
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
