/**
 * `logs search`: one search over task logs, pane logs and agents' window logs, newest file first,
 * each file read in chunks (never whole) with one buffer reused for all of them. The pattern (a
 * fixed string escaped) runs as one regular expression on each chunk's text, decoded as latin1
 * (one character per byte, the cheapest decoding; as UTF-8 only for a pattern that is not
 * ASCII): V8's matcher is several times faster here than Buffer.indexOf. Line numbers are counted
 * only up to a match, so a file without one costs its reads and one scan.
 */
import fs from 'node:fs';
import { listLogs, type LogFile, type LogKind } from './log-files.js';
import { nameInfo, readTask, tree, STATE_DIRS } from '../queue/tree.js';

export interface SearchOptions {
  pattern: string;
  /** The pattern is a fixed string, not a regular expression. */
  fixed?: boolean;
  ignoreCase?: boolean;
  /** Only these kinds (default all). */
  kinds?: LogKind[];
  task?: string;
  label?: string;
  agent?: string;
  /** Only files written since this time (epoch ms). */
  since?: number;
  /** More pane log directories (`--dir`). */
  paneDirs?: string[];
  /** Stop after this many matching lines. */
  max?: number;
}

export interface Match {
  kind: LogKind;
  /** Task ID (with `.err` for its stderr), pane log file name, or agent name. */
  name: string;
  file: string;
  line: number;
  text: string;
}

/** The prefix a match is printed with: `TASK-ID:LINE:`, `PANE-LOG:LINE:`, `agent/NAME:LINE:`. */
export function prefix(m: Match): string {
  return `${m.kind === 'agent' ? 'agent/' : ''}${m.name}:${m.line}:`;
}

/** The logs a search reads, newest first. */
export function searchFiles(root: string, o: Omit<SearchOptions, 'pattern'>): LogFile[] {
  const kinds = new Set(o.kinds?.length ? o.kinds : o.agent ? ['agent'] : o.task || o.label ? ['task'] : ['task', 'pane', 'agent']);
  let files = listLogs(root, { tasks: kinds.has('task'), panes: kinds.has('pane'), agents: kinds.has('agent'), paneDirs: o.paneDirs });
  if (o.task !== undefined) files = files.filter((f) => f.kind !== 'task' || f.name === o.task);
  if (o.agent !== undefined) files = files.filter((f) => f.kind !== 'agent' || f.name === o.agent);
  if (o.label !== undefined) {
    const ids = labelled(root, o.label);
    files = files.filter((f) => f.kind !== 'task' || ids.has(f.name));
  }
  if (o.since !== undefined) files = files.filter((f) => f.mtimeMs >= o.since!);
  return files.sort((a, b) => b.mtimeMs - a.mtimeMs || a.file.localeCompare(b.file));
}

/** IDs of the tasks with this label, in any state. */
function labelled(root: string, label: string): Set<string> {
  const t = tree(root);
  const ids = new Set<string>();
  for (const dir of STATE_DIRS) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(t.dir(dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const r = readTask(`${t.dir(dir)}/${name}`);
      if (r?.ok && r.task.label === label) ids.add(r.task.id ?? nameInfo(name).id ?? name);
    }
  }
  return ids;
}

const CHUNK = 1 << 20;

/** Search; `emit` gets each matching line, in order. Resolves to the number of matches. */
export function search(root: string, o: SearchOptions, emit: (m: Match) => void): number {
  const files = searchFiles(root, o);
  const re = new RegExp(o.fixed ? o.pattern.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&') : o.pattern, `gm${o.ignoreCase ? 'i' : ''}${/[^\x00-\x7f]/.test(o.pattern) ? 'u' : ''}`);
  const utf8 = /[^\x00-\x7f]/.test(o.pattern);
  const buf = Buffer.allocUnsafe(CHUNK);
  let count = 0;
  const max = o.max ?? Infinity;
  for (const f of files) {
    if (count >= max) break;
    const name = f.kind === 'task' && f.stream === 'err' ? `${f.name}.err` : f.name;
    let fd: number;
    try {
      fd = fs.openSync(f.file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      continue; // gone meanwhile (pruned, rotated)
    }
    try {
      let carry = 0; // bytes of an unfinished line at the start of buf
      let pos = 0; // file offset of buf[0]
      let line = 1; // the line number at buf[0]
      const size = fs.fstatSync(fd).size;
      for (;;) {
        const n = fs.readSync(fd, buf, carry, CHUNK - carry, pos + carry);
        const end = carry + n;
        if (end === 0) break;
        const last = n === 0 || pos + end >= size;
        // Whole lines only, but for the last chunk or a line longer than the buffer.
        let upto = last ? end : buf.lastIndexOf(10, end - 1) + 1;
        if (upto === 0) upto = end;
        let counted = 0; // buf offset up to which newlines are counted into `line`
        const hit = (start: number): boolean => {
          const ls = start === 0 ? 0 : buf.lastIndexOf(10, start - 1) + 1;
          let le = buf.indexOf(10, start);
          if (le < 0 || le >= upto) le = upto;
          for (let i = buf.indexOf(10, counted); i >= 0 && i < ls; i = buf.indexOf(10, i + 1)) line++;
          counted = ls;
          const text = buf.toString('utf8', ls, le > ls && buf[le - 1] === 13 ? le - 1 : le);
          emit({ kind: f.kind, name, file: f.file, line, text });
          count++;
          return count < max && le < upto;
        };
        {
          const text = buf.toString(utf8 ? 'utf8' : 'latin1', 0, upto);
          re.lastIndex = 0;
          for (let m = re.exec(text); m; m = re.exec(text)) {
            const at = utf8 ? Buffer.byteLength(text.slice(0, m.index)) : m.index;
            if (!hit(at)) break;
            const next = text.indexOf('\n', m.index);
            if (next < 0) break;
            re.lastIndex = next + 1;
          }
        }
        if (count >= max || last) break;
        // Lines in the rest of this chunk, for the line numbers of the next one.
        for (let i = buf.indexOf(10, counted); i >= 0 && i < upto; i = buf.indexOf(10, i + 1)) line++;
        carry = end - upto;
        buf.copy(buf, 0, upto, end);
        pos += upto;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return count;
}
