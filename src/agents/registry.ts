/**
 * The durable record of each agent: `<root>/agents/<name>`, `KEY=value` lines (the task codec),
 * written to tmp/ and renamed into place. It is what lets `agent list` work from any shell and
 * `agent revive` rebuild an agent after its pane or the whole tmux server died.
 */
import fs from 'node:fs';
import path from 'node:path';
import { all, decode, encode, last, type Fields } from '../persist/codec.js';
import { ensureTree, tree } from '../queue/tree.js';
import { writeAtomic } from '../persist/atomic.js';
import { fail, isErrno } from '../errors.js';
import type { Patterns } from './presets.js';

/** What is remembered about an agent. */
export interface AgentRecord {
  name: string;
  role: string;
  /** The preset its patterns come from, or `custom`. */
  preset: string;
  /** The command line run in its window ('' = the default shell). */
  command: string;
  cwd: string;
  /** `KEY=VALUE` strings set in its window. */
  env: string[];
  /** The briefing text sent once it is ready ('' = none). */
  brief: string;
  socket: string;
  session: string;
  /** The pane it ran in last (ids are immutable; a revived agent gets a new one). */
  pane?: string;
  /** The git worktree it works in, and its branch, when spawned with --worktree. */
  worktree?: string;
  branch?: string;
  /** Who it reports to (team specs), used in briefings and `team status`. */
  reportsTo?: string;
  /** The team spec's session it was deployed by, if any. */
  team?: string;
  patterns: Patterns;
  created: number;
  started?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Why a name cannot be an agent's (it becomes a file name and a tmux window name), or undefined. */
export function nameProblem(name: string): string | undefined {
  return NAME.test(name) ? undefined : `invalid agent name ${JSON.stringify(name)}: use 1-64 of A-Z a-z 0-9 _ - (no dots or colons, not starting with _ -)`;
}

export const agentsDir = (root: string): string => path.join(root, 'agents');
const recordPath = (root: string, name: string): string => path.join(agentsDir(root), name);

/** Save (create or replace) a record atomically. */
export function saveAgent(root: string, rec: AgentRecord): void {
  const t = tree(root);
  ensureTree(t);
  fs.mkdirSync(agentsDir(root), { recursive: true, mode: 0o700 });
  writeAtomic(t.dir('tmp'), recordPath(root, rec.name), encode(toFields(rec)));
}

/** The record of this agent, or undefined when there is none. */
export function loadAgent(root: string, name: string): AgentRecord | undefined {
  if (nameProblem(name)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(recordPath(root, name), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
  try {
    return fromFields(decode(text));
  } catch (err) {
    throw fail('failed', `agent record ${recordPath(root, name)} is damaged: ${(err as Error).message}`);
  }
}

/** The record of this agent; OrcError('not-found') when there is none. */
export function requireAgent(root: string, name: string): AgentRecord {
  const rec = loadAgent(root, name);
  if (!rec) throw fail('not-found', `no agent ${JSON.stringify(name)} in ${agentsDir(root)} (tmux-orc agent list shows them)`);
  return rec;
}

/** Every agent record, by creation time. Damaged records are skipped, not fatal. */
export function listAgents(root: string): AgentRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(agentsDir(root));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  const recs: AgentRecord[] = [];
  for (const n of names) {
    try {
      const r = loadAgent(root, n);
      if (r) recs.push(r);
    } catch {
      // a damaged record must not hide the others
    }
  }
  return recs.sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
}

/** Remove an agent's record (after `agent kill`). */
export function removeAgent(root: string, name: string): void {
  fs.rmSync(recordPath(root, name), { force: true });
}

function toFields(r: AgentRecord): Fields {
  const f: Fields = [
    ['NAME', r.name],
    ['ROLE', r.role],
    ['PRESET', r.preset],
    ['COMMAND', r.command],
    ['CWD', r.cwd],
    ...r.env.map((e): [string, string] => ['ENV', e]),
    ['SOCKET', r.socket],
    ['SESSION', r.session],
  ];
  const opt = (k: string, v: string | undefined) => v !== undefined && f.push([k, v]);
  opt('PANE', r.pane);
  opt('WORKTREE', r.worktree);
  opt('BRANCH', r.branch);
  opt('REPORTS_TO', r.reportsTo);
  opt('TEAM', r.team);
  opt('READY_PATTERN', r.patterns.ready);
  opt('BUSY_PATTERN', r.patterns.busy);
  opt('WAITING_PATTERN', r.patterns.waiting);
  opt('LOGIN_PATTERN', r.patterns.login);
  opt('INPUT_PATTERN', r.patterns.input);
  f.push(['CREATED', new Date(r.created).toISOString()]);
  if (r.started !== undefined) f.push(['STARTED', new Date(r.started).toISOString()]);
  f.push(['BRIEF', r.brief]);
  return f;
}

function fromFields(f: Fields): AgentRecord {
  const need = (k: string) => {
    const v = last(f, k);
    if (v === undefined) throw new Error(`no ${k}`);
    return v;
  };
  const time = (k: string) => {
    const v = last(f, k);
    return v === undefined ? undefined : Date.parse(v);
  };
  return {
    name: need('NAME'),
    role: need('ROLE'),
    preset: last(f, 'PRESET') ?? 'custom',
    command: last(f, 'COMMAND') ?? '',
    cwd: need('CWD'),
    env: all(f, 'ENV'),
    brief: last(f, 'BRIEF') ?? '',
    socket: need('SOCKET'),
    session: need('SESSION'),
    pane: last(f, 'PANE'),
    worktree: last(f, 'WORKTREE'),
    branch: last(f, 'BRANCH'),
    reportsTo: last(f, 'REPORTS_TO'),
    team: last(f, 'TEAM'),
    patterns: {
      ready: last(f, 'READY_PATTERN'),
      busy: last(f, 'BUSY_PATTERN'),
      waiting: last(f, 'WAITING_PATTERN'),
      login: last(f, 'LOGIN_PATTERN'),
      input: last(f, 'INPUT_PATTERN'),
    },
    created: time('CREATED') ?? 0,
    started: time('STARTED'),
  };
}
