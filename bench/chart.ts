/**
 * The bench's side-by-side table as an SVG bar chart: one group per scenario that has peers,
 * one bar per tool in tasks/s, each peer's bar labelled with the ratio the table gives ("ours
 * ×0.77"). Bars are scaled within their scenario (the scenarios' rates differ by 1,000×), so
 * compare bars within a group, not across groups. Pure text in, text out: `npm run bench` calls it
 * on the table it writes, and `node --import tsx bench/chart.ts [FILE.md]` redraws the chart of an
 * existing table (bench/results/latest.md by default) next to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One tool's figure in one scenario. */
export interface Bar {
  tool: string;
  value: number;
  unit: string;
  /** The table's "ours ×R" for a peer; undefined for tmux-orc itself. */
  ratio?: string;
}

export interface Group {
  scenario: string;
  bars: Bar[];
}

const CELL = /^([\d,]+(?:\.\d+)?) (tasks\/s)(?: \(ours (×[\d.]+)\))?$/;

/** The scenarios of the side-by-side table (the first table of the file) that have at least one peer figure. */
export function parseTable(md: string): Group[] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| Scenario |'));
  if (start < 0) return [];
  const head = cells(lines[start]);
  const groups: Group[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const row = cells(line);
    const bars: Bar[] = [];
    for (let i = 1; i < row.length; i++) {
      const m = CELL.exec(row[i]);
      if (m) bars.push({ tool: head[i], value: Number(m[1].replace(/,/g, '')), unit: m[2], ratio: i === 1 ? undefined : m[3] });
    }
    if (bars.length > 1 && !bars[0].ratio && row[1] && CELL.test(row[1])) groups.push({ scenario: row[0].replace(/`/g, ''), bars });
  }
  return groups;
}

const cells = (line: string): string[] => line.replace(/^\|\s*|\s*\|$/g, '').split(/\s*\|\s*/);

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: v >= 100 ? 0 : v >= 10 ? 1 : 2 });

/** The chart as an SVG document; `subtitle` (the table's machine line) is printed under the title. */
export function chartSvg(groups: Group[], subtitle = ''): string {
  const W = 900;
  const LABEL = 130;
  const BAR_MAX = 470;
  const ROW = 22;
  let y = 72;
  const body: string[] = [];
  for (const g of groups) {
    body.push(`<text x="16" y="${y}" class="scenario">${esc(g.scenario.length > 110 ? `${g.scenario.slice(0, 109)}…` : g.scenario)}</text>`);
    y += 10;
    const max = Math.max(...g.bars.map((b) => b.value));
    for (const b of g.bars) {
      const w = Math.max(2, Math.round((b.value / max) * BAR_MAX));
      const ours = b.ratio === undefined;
      const label = `${num(b.value)} ${b.unit}${ours ? '' : ` · ours ${b.ratio}`}`;
      body.push(
        `<text x="${LABEL + 6}" y="${y + 14}" text-anchor="end" class="tool">${esc(b.tool)}</text>`,
        `<rect x="${LABEL + 14}" y="${y + 3}" width="${w}" height="${ROW - 6}" rx="2" class="${ours ? 'ours' : 'peer'}"/>`,
        `<text x="${LABEL + 20 + w}" y="${y + 15}" class="${ours ? 'value ours-text' : 'value'}">${esc(label)}</text>`,
      );
      y += ROW;
    }
    y += 22;
  }
  const H = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`,
    '<style>',
    '.bg{fill:#ffffff}.title{font-size:17px;font-weight:600;fill:#1f2328}.sub{font-size:11px;fill:#59636e}',
    '.scenario{font-size:13px;font-weight:600;fill:#1f2328}.tool{font-size:12px;fill:#1f2328}.value{font-size:12px;fill:#59636e}',
    '.ours{fill:#2f81f7}.peer{fill:#a8b1bb}.ours-text{fill:#0b5cd5;font-weight:600}',
    '</style>',
    `<rect class="bg" width="${W}" height="${H}"/>`,
    '<text x="16" y="24" class="title">tmux-orc vs task-spooler, nq, GNU parallel and the xargs floor (tasks/s, higher is better)</text>',
    `<text x="16" y="42" class="sub">${esc(subtitle ? `${subtitle} · bars scaled within each scenario` : 'bars scaled within each scenario')}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** The chart of a bench table file (its second paragraph, the machine line, is the subtitle). */
export function chartOfTable(md: string): string {
  const machine = md.split('\n').find((l) => /^\d{4}-\d\d-\d\dT/.test(l)) ?? '';
  const short = machine.split(' · ').filter((p) => /^(commit|Node|\d+ ×)/.test(p) || /^\d{4}-/.test(p)).map((p) => (/^\d{4}-/.test(p) ? p.slice(0, 10) : p));
  return chartSvg(parseTable(md), short.join(' · '));
}

/** Write `<file>.svg` next to a bench table `<file>.md`; returns its path. */
export function writeChart(mdFile: string): string {
  const out = mdFile.replace(/\.md$/, '.svg');
  fs.writeFileSync(out, chartOfTable(fs.readFileSync(mdFile, 'utf8')));
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'latest.md');
  process.stdout.write(`${writeChart(file)}\n`);
}
