/**
 * Every log tmux-orc writes, found from the tree: task logs (`<root>/logs/<ID>.out|.err`), pane
 * logs (`logs-on`, in the directories it recorded in `<root>/log-dirs`) and agents' window logs
 * (`<root>/agent-logs/<name>.log`), each with its rotated files. `logs search` reads them and
 * `tasks-clean` prunes the pane and agent ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { agentLogDir } from '../session/logs.js';

export type LogKind = 'task' | 'pane' | 'agent';

export interface LogFile {
  kind: LogKind;
  file: string;
  /** The task ID, the pane log's name (`agents.workers.worker-0.log.2`) or the agent's name. */
  name: string;
  /** For a task log: `out` or `err`. */
  stream?: 'out' | 'err';
  mtimeMs: number;
  size: number;
}

const RECORD = 'log-dirs';

/** Remember a pane log directory in the tree, so search and clean find it from any directory. */
export function rememberPaneLogDir(root: string, dir: string): void {
  const abs = path.resolve(dir);
  if (paneLogDirs(root).includes(abs)) return;
  const fd = fs.openSync(path.join(root, RECORD), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, `${abs}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

/** The pane log directories recorded in the tree. */
export function paneLogDirs(root: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(path.join(root, RECORD), 'utf8');
  } catch {
    return [];
  }
  return [...new Set(text.split('\n').filter((l) => l.startsWith('/')))];
}

/** Regular files (not symlinks) in `dir` whose names pass `keep`, with their stats. */
function filesIn(dir: string, keep: (name: string) => boolean): Array<{ file: string; name: string; st: fs.Stats }> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ file: string; name: string; st: fs.Stats }> = [];
  for (const name of names) {
    if (!keep(name)) continue;
    const file = path.join(dir, name);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st?.isFile()) out.push({ file, name, st });
  }
  return out;
}

const ROTATED = /\.log(\.\d+)?$/;

/** Which logs to list. */
export interface LogSelection {
  tasks?: boolean;
  panes?: boolean;
  agents?: boolean;
  /** Extra pane log directories (`--dir`). */
  paneDirs?: string[];
}

/** The logs of the tree, unsorted. */
export function listLogs(root: string, sel: LogSelection = { tasks: true, panes: true, agents: true }): LogFile[] {
  const out: LogFile[] = [];
  if (sel.tasks) {
    for (const f of filesIn(path.join(root, 'logs'), (n) => n.endsWith('.out') || n.endsWith('.err'))) {
      out.push({ kind: 'task', file: f.file, name: f.name.slice(0, -4), stream: f.name.endsWith('.out') ? 'out' : 'err', mtimeMs: f.st.mtimeMs, size: f.st.size });
    }
  }
  if (sel.panes) {
    for (const dir of new Set([...paneLogDirs(root), ...(sel.paneDirs ?? []).map((d) => path.resolve(d))])) {
      for (const f of filesIn(dir, (n) => ROTATED.test(n))) out.push({ kind: 'pane', file: f.file, name: f.name, mtimeMs: f.st.mtimeMs, size: f.st.size });
    }
  }
  if (sel.agents) {
    for (const f of filesIn(agentLogDir(root), (n) => ROTATED.test(n))) {
      out.push({ kind: 'agent', file: f.file, name: f.name.replace(ROTATED, ''), mtimeMs: f.st.mtimeMs, size: f.st.size });
    }
  }
  return out;
}

/**
 * Remove pane and agent logs (rotated or not) not written for `hours`; a writer still attached
 * makes its file again on its next line (pane-log.pl). Returns what was (or would be) removed.
 */
export function prunePaneLogs(root: string, hours: number, o: { dryRun?: boolean; now?: number } = {}): LogFile[] {
  const limit = (o.now ?? Date.now()) - hours * 3_600_000;
  const old = listLogs(root, { panes: true, agents: true }).filter((l) => l.mtimeMs < limit);
  if (!o.dryRun) for (const l of old) fs.rmSync(l.file, { force: true });
  return old;
}
