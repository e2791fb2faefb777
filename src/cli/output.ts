/** Printing helpers shared by the commands: JSON for scripts, aligned columns for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Aligned columns. The last column is free text; on a terminal it is cut to the screen width,
 * in a pipe it is printed whole.
 */
export function printTable(header: string[], rows: string[][], out: NodeJS.WriteStream = process.stdout): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < r.length - 1 ? r[i].length : 0))));
  const cols = out.isTTY ? out.columns || 100 : Infinity;
  const lines = [header, ...rows].map((r) => {
    const line = r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ');
    return line.length > cols ? `${line.slice(0, Math.max(cols - 1, 0))}…` : line;
  });
  out.write(`${lines.join('\n')}\n`); // one write: 100,000 rows are one syscall, not 100,000
}
