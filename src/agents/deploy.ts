/**
 * `team deploy SPEC`: every agent of the spec planned (and so validated) before any window is made,
 * then windows made and commands started (orchestrator first, then PMs, then engineers), the
 * scheduler made sure of, each new agent briefed in the same order, and the check-ins armed.
 * Idempotent: running agents are left alone, dead ones restarted, armed check-ins kept.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config.js';
import { fail } from '../errors.js';
import { tree } from '../queue/tree.js';
import { treeStore } from '../queue/store.js';
import { armSchedule, checkinArgs, parseEvery, parseWhen } from './schedule.js';
import { ensureScheduler } from './scheduler.js';
import { loadAgent, type AgentRecord } from './registry.js';
import { byRole } from './roles.js';
import { briefAgent, isRunning, launchAgent, planAgent } from './spawn.js';
import type { AgentSpec, TeamSpec } from './spec.js';
import { expandHome } from './brief.js';

/** What deploy did. */
export interface DeployReport {
  session: string;
  root: string;
  agents: Array<{ name: string; role: string; result: 'started' | 'kept' | 'failed'; error?: string }>;
  checkins: Array<{ id: string; target: string; result: 'armed' | 'kept' }>;
  scheduler: 'running' | 'started';
}

/** Who an agent reports to, unless the spec says: engineers → the first PM, PMs → the orchestrator. */
function reportsTo(a: AgentSpec, all: AgentSpec[]): string | undefined {
  if (a.reports_to) return a.reports_to;
  const first = (role: string) => all.find((x) => x.role === role)?.name;
  if (a.role === 'orchestrator') return undefined;
  if (a.role === 'pm') return first('orchestrator');
  return first('pm') ?? first('orchestrator');
}

/** Deploy a team. Throws before creating anything when an agent's request is invalid. */
export async function deployTeam(root: string, spec: TeamSpec, opts: { readyTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<DeployReport> {
  const env = opts.env ?? process.env;
  if (!fs.statSync(spec.project, { throwIfNoEntry: false })?.isDirectory()) throw fail('not-found', `${spec.file}: project directory ${spec.project} does not exist`);
  const socket = config(env).socket;
  const teamList = spec.agents.map((a) => `${a.name} (${a.role})`).join('\n');
  const report: DeployReport = { session: spec.session, root, agents: [], checkins: [], scheduler: 'running' };
  const plans: AgentRecord[] = [];
  for (const a of byRole(spec.agents)) {
    const old = loadAgent(root, a.name);
    if (old && old.session === spec.session && (await isRunning(old))) {
      report.agents.push({ name: a.name, role: a.role, result: 'kept' });
      continue;
    }
    plans.push(
      planAgent(
        root,
        {
          name: a.name,
          role: a.role,
          preset: a.preset,
          command: a.command,
          cwd: path.resolve(spec.project, expandHome(a.cwd ?? '.')),
          env: Object.entries(a.env ?? {}).map(([k, v]) => `${k}=${v}`),
          brief: a.brief,
          briefBase: spec.dir,
          worktree: a.worktree,
          patterns: { ready: a.ready_pattern, busy: a.busy_pattern, waiting: a.waiting_pattern },
          session: spec.session,
          socket,
          reportsTo: reportsTo(a, spec.agents),
          team: spec.session,
          teamList,
        },
        env,
      ),
    );
  }
  const launched: AgentRecord[] = [];
  for (const p of plans) launched.push(await launchAgent(root, p));
  report.scheduler = await ensureScheduler(root, socket, spec.session);
  for (const rec of launched) {
    try {
      await briefAgent(root, rec, opts.readyTimeoutMs);
      report.agents.push({ name: rec.name, role: rec.role, result: 'started' });
    } catch (err) {
      report.agents.push({ name: rec.name, role: rec.role, result: 'failed', error: (err as Error).message });
    }
  }
  for (const c of spec.checkins ?? []) {
    const id = `checkin-${spec.session}-${createHash('sha1').update(`${c.target}\0${c.note}\0${c.every ?? ''}\0${c.at ?? ''}`).digest('hex').slice(0, 10)}`;
    if (await treeStore(tree(root)).get(id)) {
      report.checkins.push({ id, target: c.target, result: 'kept' });
      continue;
    }
    const everyMs = c.every ? parseEvery(c.every) : undefined;
    const at = c.at ? parseWhen(c.at) : Date.now() + (everyMs ?? 0);
    await armSchedule(root, { id, at, everyMs, kind: 'checkin', target: c.target, note: c.note, args: checkinArgs(c.target, c.note), env: [`TMUX_SOCKET=${socket}`] });
    report.checkins.push({ id, target: c.target, result: 'armed' });
  }
  return report;
}
