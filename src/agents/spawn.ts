/**
 * Spawning an agent, in three steps that `team deploy` also uses separately:
 *   plan    validate the request and build its record (no side effects but a worktree);
 *   launch  make its window (or respawn its dead pane) and start its command;
 *   brief   wait until it shows its prompt, then send the briefing as a message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config.js';
import { fail } from '../errors.js';
import { tmuxClient, requireTmux, type TmuxClient } from '../tmux/client.js';
import { readBrief, renderBrief } from './brief.js';
import { requireInstalled } from './command.js';
import { readScreen, paneInfo } from './pane.js';
import { compilePattern, findPreset, PRESET_NAMES, QUIET_READY_MS, type Patterns } from './presets.js';
import { loadAgent, nameProblem, saveAgent, type AgentRecord } from './registry.js';
import { ensureScheduler } from './scheduler.js';
import { sendMessage } from './send.js';
import { bottomLines } from './status.js';
import { clearStatus } from './observe.js';
import { sleep } from './wait.js';
import { existingPane, makeWindow, startCommand, writeCliShim } from './window.js';
import { ensureWorktree } from './worktree.js';
import { logAgentPane } from '../session/logs.js';

/** What `agent spawn` asks for. */
export interface SpawnRequest {
  name: string;
  role: string;
  preset?: string;
  command?: string;
  cwd?: string;
  /** `KEY=VALUE` strings. */
  env?: string[];
  /** A briefing file or the text itself. */
  brief?: string;
  /** Where a relative briefing file is looked up (default: the current directory). */
  briefBase?: string;
  worktree?: boolean;
  patterns?: Patterns;
  session?: string;
  socket?: string;
  reportsTo?: string;
  team?: string;
  /** `name (role)` lines of the whole team, for the `{{team}}` placeholder. */
  teamList?: string;
}

/**
 * `agent spawn`: plan, launch, make sure the check-in scheduler runs in its session, then brief it
 * once ready. `onStarted` hears of the launch before the wait for the prompt.
 */
export async function spawnAgent(root: string, req: SpawnRequest, readyTimeoutMs = 60_000, onStarted?: (rec: AgentRecord) => void): Promise<AgentRecord> {
  const rec = await launchAgent(root, planAgent(root, req));
  await ensureScheduler(root, rec.socket, rec.session);
  onStarted?.(rec);
  await briefAgent(root, rec, readyTimeoutMs);
  return rec;
}

/** Validate a request and build the agent's record. */
export function planAgent(root: string, req: SpawnRequest, env: NodeJS.ProcessEnv = process.env): AgentRecord {
  const bad = nameProblem(req.name);
  if (bad) throw fail('usage', bad);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(req.role)) throw fail('usage', `invalid role ${JSON.stringify(req.role)}: use a word like orchestrator, pm, engineer, qa`);
  const p = req.preset === undefined ? undefined : findPreset(req.preset);
  if (req.preset !== undefined && !p) throw fail('usage', `unknown preset ${JSON.stringify(req.preset)} (known: ${PRESET_NAMES.join(', ')}; or give --command)`);
  if (!p && req.command === undefined) throw fail('usage', `give --preset (${PRESET_NAMES.join(', ')}) or --command CMD`);
  const patterns: Patterns = {
    ready: req.patterns?.ready ?? p?.ready,
    busy: req.patterns?.busy ?? p?.busy,
    waiting: req.patterns?.waiting ?? p?.waiting,
    login: req.patterns?.login ?? p?.login,
    input: req.patterns?.input ?? p?.input,
  };
  for (const [k, v] of Object.entries(patterns)) {
    try {
      compilePattern(v, `--${k}-pattern`);
    } catch (err) {
      throw fail('usage', (err as Error).message);
    }
  }
  for (const e of req.env ?? []) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(e)) throw fail('usage', `--env ${JSON.stringify(e)} is not KEY=VALUE`);
  let cwd = path.resolve(req.cwd ?? process.cwd());
  if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw fail('not-found', `--cwd ${cwd} is not a directory`);
  const command = req.command ?? p!.command;
  requireInstalled(command, cwd, env.PATH);
  const cfg = config(env);
  const session = req.session ?? cfg.session;
  let wt: { dir: string; branch: string } | undefined;
  if (req.worktree) {
    const w = ensureWorktree(cwd, req.name);
    wt = w;
    cwd = w.cwd;
  }
  const text = readBrief(req.brief, req.briefBase ?? process.cwd());
  const brief = renderBrief(text, {
    name: req.name,
    role: req.role,
    session,
    cwd,
    root,
    reports_to: req.reportsTo ?? '',
    team: req.teamList ?? req.name,
  });
  return {
    name: req.name,
    role: req.role,
    preset: p?.name ?? 'custom',
    command,
    cwd,
    env: req.env ?? [],
    brief,
    socket: req.socket ?? cfg.socket,
    session,
    worktree: wt?.dir,
    branch: wt?.branch,
    reportsTo: req.reportsTo,
    team: req.team,
    patterns,
    created: Date.now(),
  };
}

/** Is the agent of this record running now (a live pane in its window)? */
export async function isRunning(rec: AgentRecord): Promise<boolean> {
  const tmux = tmuxClient(rec.socket);
  const pane = await existingPane(tmux, rec);
  return pane !== undefined && !(await paneInfo(tmux, pane))?.dead;
}

/**
 * Make the agent's window, or reuse its dead pane, and start its command. Refuses an agent that is
 * running already, and a window of that name that is not an agent's.
 */
export async function launchAgent(root: string, rec: AgentRecord): Promise<AgentRecord> {
  requireTmux();
  if (!fs.statSync(rec.cwd, { throwIfNoEntry: false })?.isDirectory()) throw fail('not-found', `agent ${rec.name}: its directory ${rec.cwd} is gone`);
  const tmux = tmuxClient(rec.socket);
  const old = loadAgent(root, rec.name);
  let pane = await existingPane(tmux, rec);
  if (pane && !old) throw fail('conflict', `window ${rec.session}:${rec.name} exists and is not an agent; choose another --name`);
  if (pane && !(await paneInfo(tmux, pane))?.dead) throw fail('conflict', `agent ${rec.name} is already running in pane ${pane} (tmux-orc agent kill ${rec.name} first)`);
  writeCliShim(root);
  pane ??= await makeWindow(tmux, rec.session, rec.name, rec.cwd, root);
  await logAgentPane(tmux, pane, root, rec.name); // what it prints outlives its window (src/session/logs.ts)
  const started: AgentRecord = { ...rec, pane, started: Date.now(), created: old?.created ?? rec.created };
  saveAgent(root, started);
  clearStatus(root, rec.name);
  await startCommand(tmux, pane, started, root);
  return started;
}

/** Wait until the agent shows its prompt; then send its briefing, if it has one. */
export async function briefAgent(root: string, rec: AgentRecord, readyTimeoutMs = 60_000): Promise<void> {
  const tmux = tmuxClient(rec.socket);
  await waitReady(tmux, rec, readyTimeoutMs);
  if (rec.brief.trim() !== '') await sendMessage(root, rec.name, rec.brief);
}

/**
 * Ready = the preset's prompt pattern on screen; without one, a screen (even an empty one) that did
 * not change for QUIET_READY_MS. A sign-in, onboarding or trust screen (the login pattern) that stays
 * for a second fails at once: it is never briefed into (Enter there would pick a menu item). A pane
 * that dies meanwhile fails at once with its exit status and last line.
 */
async function waitReady(tmux: TmuxClient, rec: AgentRecord, timeoutMs: number): Promise<void> {
  const ready = compilePattern(rec.patterns.ready, 'ready pattern');
  // A permission or trust dialog can look like a prompt (`❯ 1. Yes`): never brief into one.
  const waiting = compilePattern(rec.patterns.waiting, 'waiting pattern');
  const login = compilePattern(rec.patterns.login, 'login pattern');
  const deadline = Date.now() + timeoutMs;
  let prev = '';
  let stableSince = Date.now();
  let loginSince: number | undefined;
  for (;;) {
    const info = rec.pane ? await paneInfo(tmux, rec.pane) : undefined;
    const screen = info ? await readScreen(tmux, info.pane).catch(() => '') : '';
    if (!info || info.dead) {
      const lastLine = screen.split('\n').filter((l) => l.trim()).pop() ?? '';
      throw fail('failed', `agent ${rec.name} exited during startup (status ${info?.deadStatus ?? '?'})${lastLine ? `: ${lastLine.trim().slice(0, 120)}` : ''}`);
    }
    if (screen !== prev) [prev, stableSince] = [screen, Date.now()];
    const bottom = bottomLines(screen);
    const shown = login?.exec(bottom);
    loginSince = shown ? (loginSince ?? Date.now()) : undefined;
    if (shown && loginSince !== undefined && Date.now() - loginSince >= 1000) {
      throw fail('conflict', `agent ${rec.name} shows a sign-in, onboarding or trust screen, not its prompt (${JSON.stringify(shown[0].trim().slice(0, 60))}): it was not briefed; answer it in window ${rec.session}:${rec.name} (tmux -L ${rec.socket} attach -t ${rec.session}), then run tmux-orc send ${rec.name} - < your briefing`);
    }
    const asking = waiting?.test(bottom) ?? false;
    if (!shown && !asking && (ready ? ready.test(bottom) : Date.now() - stableSince >= QUIET_READY_MS)) return;
    if (Date.now() > deadline) {
      const why = asking
        ? `is waiting for input (a permission or trust prompt): answer it in window ${rec.session}:${rec.name}, then run tmux-orc send ${rec.name} - < your briefing`
        : `did not show its prompt within ${Math.round(timeoutMs / 1000)}s (last line: ${JSON.stringify(screen.split('\n').pop()?.trim().slice(0, 80) ?? '')}); it keeps running, see tmux-orc agent status ${rec.name}`;
      throw fail('timeout', `agent ${rec.name} ${why}`);
    }
    await sleep(100);
  }
}
