/**
 * The team views and actions besides deploy: `team status` (one line per agent), `team standup`
 * (ask each live agent for one status line and collect the replies) and `team kill`.
 *
 * Standups live in `<root>/standups/<ID>/`: one file per agent that replied (written by
 * `team reply ID TEXT` from inside the agent's pane) and `report.txt`, the collected report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';
import { ensureTree, tree } from '../queue/tree.js';
import { writeAtomic } from '../persist/atomic.js';
import { killAgent } from './manage.js';
import { queueSummary } from './assign.js';
import { withBackendTurns } from './assign-backend.js';
import { readMessages } from './messages.js';
import { agentStatus, type AgentStatus } from './observe.js';
import { listAgents, nameProblem, type AgentRecord } from './registry.js';
import { byRole } from './roles.js';
import { cancelSchedule, listSchedules } from './schedule.js';
import { sendMessage } from './send.js';
import type { StatusTiming } from './status.js';
import { sleep } from './wait.js';

/** The agents of a team: all of the tree's, or those in one session. */
export function teamAgents(root: string, session?: string): AgentRecord[] {
  return byRole(listAgents(root).filter((a) => session === undefined || a.session === session));
}

/** The first line of the last message an agent was given (not a check-in): its current task. */
function currentTask(root: string, name: string): string {
  const given = readMessages(root, { agent: name }).filter((m) => m.to === name && m.from !== 'check-in' && m.from !== 'standup' && m.status === 'delivered');
  const text = given[given.length - 1]?.text ?? '';
  const first = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}

/** One row of `team status`. */
export type TeamRow = AgentStatus & { task: string; session: string; queued: number };

export async function teamStatus(root: string, session?: string, timing?: StatusTiming): Promise<TeamRow[]> {
  const rows: TeamRow[] = [];
  // A turn from the agent's work queue (tmux-orc assign) is its task; else the last message it was given.
  const agents = teamAgents(root, session);
  const queues = await withBackendTurns(root, agents, queueSummary(root));
  for (const a of agents) {
    const q = queues.get(a.name);
    const task = q?.current ? `${q.current.id}: ${q.current.text}` : currentTask(root, a.name);
    rows.push({ ...(await agentStatus(root, a, timing)), task, session: a.session, queued: q?.waiting ?? 0 });
  }
  return rows;
}

const standupDir = (root: string, id: string): string => path.join(root, 'standups', id);
const STANDUP_ID = /^s[0-9a-z]{6,20}$/;

/** One agent's line in a standup report. */
export interface StandupLine {
  name: string;
  role: string;
  reply?: string;
  /** Why there is no reply: dead, undelivered, no reply in time. */
  missing?: string;
}

/** Ask every live agent for a status line; collect replies until all came or the timeout passed. */
export async function standup(root: string, opts: { session?: string; timeoutMs: number }): Promise<{ id: string; lines: StandupLine[]; complete: boolean }> {
  const id = `s${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36).padStart(2, '0')}`;
  const agents = teamAgents(root, opts.session);
  if (agents.length === 0) throw fail('not-found', `no agents${opts.session ? ` in session ${opts.session}` : ''} in ${root}`);
  const dir = standupDir(root, id);
  ensureTree(tree(root));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lines: StandupLine[] = agents.map((a) => ({ name: a.name, role: a.role }));
  const asked: StandupLine[] = [];
  const ask = `Standup ${id}: reply with ONE line (what you did, what is next, blockers) by running this command:\ntmux-orc team reply ${id} "<your status line>"`;
  for (const [i, a] of agents.entries()) {
    const st = await agentStatus(root, a);
    if (st.state === 'dead') {
      lines[i].missing = `dead (${st.reason})`;
      continue;
    }
    try {
      await sendMessage(root, a.name, ask, { from: 'standup' });
      asked.push(lines[i]);
    } catch (err) {
      lines[i].missing = `not asked: ${(err as Error).message}`;
    }
  }
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    for (const l of asked) if (l.reply === undefined) l.reply = readReply(dir, l.name);
    if (asked.every((l) => l.reply !== undefined) || Date.now() >= deadline) break;
    await sleep(200);
  }
  for (const l of asked) if (l.reply === undefined) l.missing = `no reply within ${Math.round(opts.timeoutMs / 1000)}s`;
  const t = tree(root);
  writeAtomic(t.dir('tmp'), path.join(dir, 'report.txt'), formatStandup(id, lines));
  return { id, lines, complete: lines.every((l) => l.reply !== undefined) };
}

function readReply(dir: string, name: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, `${name}.reply`), 'utf8');
  } catch {
    return undefined;
  }
}

/** The report as text: one line per agent. */
export function formatStandup(id: string, lines: StandupLine[]): string {
  const w = Math.max(...lines.map((l) => `${l.name} (${l.role})`.length));
  return `Standup ${id} ${new Date().toISOString()}\n${lines.map((l) => `${`${l.name} (${l.role})`.padEnd(w)}  ${l.reply ?? `- ${l.missing}`}`).join('\n')}\n`;
}

/** Record an agent's reply to a standup. */
export function standupReply(root: string, id: string, from: string | undefined, text: string): void {
  if (!STANDUP_ID.test(id)) throw fail('usage', `invalid standup ID ${JSON.stringify(id)}`);
  const dir = standupDir(root, id);
  if (!fs.existsSync(dir)) throw fail('not-found', `no standup ${id} in ${root}`);
  if (!from) throw fail('usage', 'who is replying? run this inside an agent pane (ORC_AGENT is set there) or give --from NAME');
  const bad = nameProblem(from);
  if (bad) throw fail('usage', bad);
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  if (line === '') throw fail('usage', 'empty reply');
  writeAtomic(tree(root).dir('tmp'), path.join(dir, `${from}.reply`), line.slice(0, 1000));
}

/** Kill every agent of the team and cancel the check-ins aimed at them. */
export async function killTeam(root: string, session?: string): Promise<{ agents: string[]; checkins: string[] }> {
  const agents = teamAgents(root, session);
  const names = new Set(agents.map((a) => a.name));
  const checkins: string[] = [];
  for (const s of await listSchedules(root)) {
    if (s.kind === 'checkin' && names.has(s.target)) {
      await cancelSchedule(root, s.id).catch(() => undefined);
      checkins.push(s.id);
    }
  }
  for (const a of agents) await killAgent(root, a.name);
  return { agents: [...names], checkins };
}
