/**
 * `schedule WHEN NOTE`: arm a check-in message for an agent (by default the one asking, whose
 * name is $ORC_AGENT in its window) and make sure the scheduler that fires it runs. The CLI and
 * the MCP server call this.
 */
import { config } from '../config.js';
import { fail } from '../errors.js';
import { loadAgent } from './registry.js';
import { isTmuxTarget } from './resolve.js';
import { armSchedule, checkinArgs, parseEvery, parseWhen } from './schedule.js';
import { ensureScheduler } from './scheduler.js';
import { checkMessage } from './send.js';

/** What to schedule: WHEN (a delay with its unit or a time), the note, and optionally a target and a period. */
export interface CheckinRequest {
  when: string;
  note: string;
  /** Agent name or session:window; default: `caller`. */
  target?: string;
  every?: string;
  /** Who asks ($ORC_AGENT), the default target. */
  caller?: string;
}

/** The armed check-in's ID, and a warning when its scheduler could not be started (it fires once one runs). */
export async function scheduleCheckin(root: string, req: CheckinRequest, env: NodeJS.ProcessEnv = process.env): Promise<{ id: string; warning?: string }> {
  checkMessage(req.note);
  const at = parseWhen(req.when);
  const everyMs = req.every === undefined ? undefined : parseEvery(req.every);
  const target = req.target ?? req.caller;
  if (!target) throw fail('usage', 'no --target, and not running inside an agent window ($ORC_AGENT is unset)');
  const agent = isTmuxTarget(target) ? undefined : loadAgent(root, target);
  if (!agent && !isTmuxTarget(target)) throw fail('not-found', `unknown target ${JSON.stringify(target)}: no agent of that name (give an agent name or session:window)`);
  const cfg = config(env);
  const socket = agent?.socket ?? cfg.socket;
  const session = agent?.session ?? cfg.session;
  const id = await armSchedule(root, { at, everyMs, kind: 'checkin', target, note: req.note, args: checkinArgs(target, req.note), env: [`TMUX_SOCKET=${socket}`, `TMUX_SESSION=${session}`] });
  try {
    await ensureScheduler(root, socket, session);
    return { id };
  } catch (err) {
    return { id, warning: `scheduler not started: ${(err as Error).message}` };
  }
}
