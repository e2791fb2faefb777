/**
 * An agent's tmux window: made (or its dead pane respawned) with the options set BEFORE the agent's
 * command starts, so a command that dies at once still leaves a dead pane with its exit status
 * (remain-on-exit) and the window keeps the agent's name (no automatic renaming).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as A from '../tmux/argv.js';
import { parseRows, type TmuxClient } from '../tmux/client.js';
import { selfCommand, shellQuote } from '../self.js';
import { paneInfo } from './pane.js';
import type { AgentRecord } from './registry.js';

/** True when the session exists on this server. */
export async function hasSession(tmux: TmuxClient, session: string): Promise<boolean> {
  try {
    await tmux.run(A.hasSession(session));
    return true;
  } catch {
    return false;
  }
}

/**
 * An empty pane (running the default shell) in a window named `name`, in a new session if the
 * session does not exist yet (which then records TASK_ROOT in its environment, as `init` does).
 */
export async function makeWindow(tmux: TmuxClient, session: string, name: string, cwd: string, root: string): Promise<string> {
  const fields = ['pane_id'] as const;
  let out: string;
  if (await hasSession(tmux, session)) {
    out = await tmux.run(A.newNamedWindow(session, name, cwd));
  } else {
    out = await tmux.run(A.newNamedSession(session, name, cwd));
    await tmux.run(A.setEnvironment(A.exactSession(session), 'TASK_ROOT', root));
  }
  const pane = parseRows(out, fields)[0]?.pane_id;
  if (!pane) throw new Error(`tmux did not report the new pane of ${session}:${name}`);
  for (const args of A.keepWindowOptions(pane)) await tmux.run(args);
  return pane;
}

/** The environment an agent runs with: who it is, where the tree is, and `tmux-orc` on PATH. */
function agentEnv(rec: AgentRecord, root: string): string[] {
  return [
    `ORC_AGENT=${rec.name}`,
    `ORC_ROLE=${rec.role}`,
    `TASK_ROOT=${root}`,
    `TMUX_SOCKET=${rec.socket}`,
    `TMUX_SESSION=${rec.session}`,
    ...rec.env,
  ];
}

/** `<root>/bin`, holding a `tmux-orc` launcher so agents (and their briefings) need no install. */
const binDir = (root: string): string => path.join(root, 'bin');

/** Write `<root>/bin/tmux-orc`, a two-line shim that runs this very CLI by absolute path. */
export function writeCliShim(root: string): string {
  const dir = binDir(root);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'tmux-orc');
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, `#!/bin/sh\nexec ${selfCommand()} "$@"\n`, { mode: 0o700 });
  fs.renameSync(tmp, file);
  return file;
}

/**
 * (Re)start the agent's command in the pane, replacing whatever runs there. PATH is set in the
 * command line itself: tmux gives a new pane the PATH of the (detached) client, ignoring `-e PATH`.
 */
export async function startCommand(tmux: TmuxClient, pane: string, rec: AgentRecord, root: string): Promise<void> {
  const program = rec.command.trim() === '' ? 'exec "${SHELL:-/bin/sh}"' : rec.command;
  const cmd = `PATH=${shellQuote(binDir(root))}:"$PATH"; export PATH; ${program}`;
  await tmux.run(A.respawnPaneWith(pane, rec.cwd, cmd, agentEnv(rec, root)));
}

/**
 * The pane of a live or dead agent window that can be respawned: the recorded pane if it still
 * exists, else the window of the agent's name in its session; undefined when there is neither.
 */
export async function existingPane(tmux: TmuxClient, rec: AgentRecord): Promise<string | undefined> {
  if (rec.pane) {
    const info = await paneInfo(tmux, rec.pane);
    if (info && info.windowName === rec.name) return info.pane;
  }
  return (await paneInfo(tmux, `${rec.session}:${rec.name}`))?.pane;
}
