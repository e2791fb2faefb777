/**
 * `top`'s screen as lines of text from one Snapshot: pure (the clock and the size are passed in),
 * so the layout is tested by tables without a terminal. Every line fits the width; the whole
 * fits the height, each section cut with "+N more" when the screen is short. Without colour the
 * text is plain ASCII (NO_COLOR, dumb terminals, logs).
 */
import { formatAge } from '../time.js';
import type { Snapshot } from './snapshot.js';

export interface RenderOptions {
  cols: number;
  rows: number;
  color: boolean;
  now: number;
}

const SGR = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', blue: '\x1b[34m', cyan: '\x1b[36m' };
type Style = keyof typeof SGR;

/** The colour of a state word. */
const STATE_STYLE: Record<string, Style> = {
  running: 'cyan', busy: 'cyan', queue: 'yellow', idle: 'green', done: 'green', failed: 'red', dead: 'red', stale: 'red',
  'waiting-for-input': 'yellow', starting: 'blue', unknown: 'dim', stopped: 'dim',
};

/** A line made of styled pieces; its visible length is the sum of the texts. */
type Piece = [text: string, style?: Style];

export function render(s: Snapshot, o: RenderOptions): string[] {
  const ascii = !o.color;
  const clean = (t: string) => t.replace(/\r?\n/g, ascii ? ' ' : '⏎').replace(/[\x00-\x1f\x7f]/g, ' ');
  const fit = (pieces: Piece[]): string => {
    let left = o.cols;
    let out = '';
    for (const [raw, style] of pieces) {
      if (left <= 0) break;
      let text = ascii ? toAscii(clean(raw)) : clean(raw);
      if ([...text].length > left) text = [...text].slice(0, Math.max(0, left - 1)).join('') + (ascii ? '>' : '…');
      left -= [...text].length;
      out += o.color && style ? `${SGR[style]}${text}${SGR.reset}` : text;
    }
    return o.color ? out : out.trimEnd();
  };
  const c = s.counts;
  const live = s.workers.filter((w) => w.alive).length;
  const clock = new Date(o.now).toISOString().slice(11, 19);
  const head: string[] = [
    fit([['tmux-orc top', 'bold'], [`  ${clock}  q quits  `], [s.root, 'dim']]),
    fit([
      ['queue ', 'yellow'], [`${c.queue}`, 'bold'], [s.oldestQueuedMs === undefined ? '' : ` (oldest ${formatAge(s.oldestQueuedMs)})`],
      ...(c.held ? ([['  held ', 'yellow'], [`${c.held}`, 'bold']] as Piece[]) : []),
      ['  running ', 'cyan'], [`${c.running}`, 'bold'],
      ['  done ', 'green'], [`${c.done}`, 'bold'],
      ['  failed ', 'red'], [`${c.failed}`, 'bold'],
      [`  workers ${live}/${s.workers.length} live`],
      ...(s.stale ? ([[`  stale ${s.stale}`, 'red']] as Piece[]) : []),
    ]),
  ];
  // Name columns as wide as the longest name (up to a third of the screen), so states line up.
  const column = (names: string[]) => Math.min(Math.max(8, Math.floor(o.cols / 3)), Math.max(0, ...names.map((n) => n.length)) + 2);
  const wCol = column(s.workers.map((w) => ` worker-${w.id}@${w.host}`));
  const aCol = column(s.agents.map((a) => ` ${a.name}`));
  const workers = s.workers.map((w) => {
    const state = !w.alive ? 'dead' : w.task ? 'busy' : 'idle';
    const task: Piece[] = w.task ? [[`  ${formatAge(o.now - w.task.started).padStart(6)}  `], [w.task.id, 'bold'], [`  ${w.task.cmd}`]] : [];
    return fit([[cell(` worker-${w.id}@${w.host}`, wCol)], [`${state.padEnd(5)}`, STATE_STYLE[state]], ...task]);
  });
  const agents = s.agents.map((a) =>
    fit([[cell(` ${a.name}`, aCol)], [`${a.state.padEnd(7)}`, STATE_STYLE[a.state]], [`  ${formatAge(o.now - Date.parse(a.since)).padStart(6)}  `], [a.reason, 'dim']]),
  );
  const failures = s.failures.map((f) => {
    const why = f.exit !== undefined ? `exit ${f.exit}` : (f.reason?.split(/[:;]/)[0] ?? f.signal ?? f.status);
    return fit([[` ${f.id}`, 'bold'], [`  ${why}`, 'red'], [`  ${formatAge(f.ageMs)} ago  `], [`${f.label === undefined ? '' : `[${f.label}] `}${f.cmd}`]]);
  });
  const sections: Array<{ title: string; lines: string[]; empty: string }> = [
    { title: 'WORKERS', lines: workers, empty: ' none registered (tmux-orc worker, or tasks-start)' },
    { title: 'AGENTS', lines: agents, empty: ' none' },
    { title: 'LATEST FAILURES', lines: failures, empty: ' none' },
  ];
  const budget = layout(sections.map((x) => Math.max(1, x.lines.length)), Math.max(0, o.rows - head.length - sections.length * 2));
  const out = [...head];
  sections.forEach((sec, i) => {
    out.push('', fit([[sec.title, 'bold']]));
    const n = budget[i];
    if (!sec.lines.length) out.push(fit([[sec.empty, 'dim']]));
    else if (n >= sec.lines.length) out.push(...sec.lines);
    else out.push(...sec.lines.slice(0, Math.max(0, n - 1)), fit([[` +${sec.lines.length - Math.max(0, n - 1)} more`, 'dim']]));
  });
  return out.slice(0, o.rows);
}

/** Text in a column of `width`: padded, or cut with room for one space after it. */
function cell(text: string, width: number): string {
  return text.length < width ? text.padEnd(width) : `${text.slice(0, width - 2)}~ `;
}

/**
 * Rows for each section out of `total`: each gets what it needs when all fit; otherwise rows go
 * one at a time to the section with the fewest so far that still wants more, so no section is
 * crowded out by a long one.
 */
export function layout(wants: number[], total: number): number[] {
  const got = wants.map(() => 0);
  let left = total;
  while (left > 0) {
    let pick = -1;
    for (let i = 0; i < wants.length; i++) if (got[i] < wants[i] && (pick < 0 || got[i] < got[pick])) pick = i;
    if (pick < 0) break;
    got[pick]++;
    left--;
  }
  return got;
}

/** Plain ASCII: what a terminal without UTF-8 or a log shows without mojibake. */
export function toAscii(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '?');
}
