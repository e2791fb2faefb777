/**
 * Reading what a pane shows: the last lines of an agent's (or any tmux target's) screen and
 * scrollback, as text. `capture` (src/session/capture.ts) saves whole panes to files instead.
 */
import * as A from '../tmux/argv.js';
import { fail } from '../errors.js';
import { resolveTarget } from './resolve.js';

/** What was read: the pane it came from and its last lines. */
export interface PaneText {
  target: string;
  pane: string;
  dead: boolean;
  text: string;
}

/** The last `lines` non-blank-tailed lines of the target's pane (screen and scrollback). */
export async function captureTarget(root: string | undefined, spec: string, lines: number): Promise<PaneText> {
  if (!Number.isInteger(lines) || lines < 1 || lines > 10_000) throw fail('usage', `lines must be a whole number from 1 to 10000, got ${lines}`);
  const t = await resolveTarget(spec, root);
  if (!t.info) throw fail('not-found', `${t.agent ? `agent ${t.agent.name}` : `target ${spec}`} has no pane on tmux socket ${t.tmux.socket}`);
  const out = (await t.tmux.run(A.captureWithHistory(t.info.pane, lines))).replace(/\s+$/, '');
  const all = out === '' ? [] : out.split('\n');
  return { target: spec, pane: t.info.pane, dead: t.info.dead, text: all.slice(-lines).join('\n') };
}
