/**
 * What the dispatcher does about one agent on one tick, as pure decisions (no tmux, no fs): the
 * task it holds (settle it, deliver it, or wait), or whether it may be given the next one.
 */
import type { AgentState } from './status.js';

/** The agent as the dispatcher sees it this tick (its debounced state). */
export interface AgentView {
  state: AgentState;
  /** When that state began, epoch ms. */
  since: number;
}

/** The task an agent holds (in running/, under the dispatcher's holder). */
export interface HeldView {
  /** Whether the holder still holds it (false: its agent's process is gone). */
  held: boolean;
  /** When it was claimed, epoch ms. */
  started: number;
  timeoutMs?: number;
  /** The text was typed and its submission confirmed (DELIVERED recorded). */
  delivered: boolean;
  cancelRequested: boolean;
  /** Settle as done after the agent, having been busy, stayed idle this long. */
  doneOnIdleMs?: number;
  /** The agent was seen busy since the delivery. */
  sawBusy: boolean;
}

export type HeldStep =
  | { kind: 'recover' } // nobody holds it: recovery requeues or fails it
  | { kind: 'cancel' }
  | { kind: 'timeout' }
  | { kind: 'deliver' }
  | { kind: 'done-on-idle' }
  | { kind: 'wait' };

/** What to do about a held task. */
export function heldStep(h: HeldView, a: AgentView, now: number): HeldStep {
  if (!h.held) return { kind: 'recover' };
  if (h.cancelRequested) return { kind: 'cancel' };
  // A dead agent's holder ends by itself in a moment; recovery then takes the task back.
  if (a.state === 'dead') return { kind: 'wait' };
  if (h.timeoutMs !== undefined && now - h.started >= h.timeoutMs) return { kind: 'timeout' };
  if (!h.delivered) return a.state === 'idle' ? { kind: 'deliver' } : { kind: 'wait' };
  if (h.doneOnIdleMs !== undefined && h.sawBusy && a.state === 'idle' && now - a.since >= h.doneOnIdleMs) return { kind: 'done-on-idle' };
  return { kind: 'wait' };
}

/** Whether an agent holding nothing may be given its next task: only when idle (never while it asks a question). */
export const mayGiveWork = (a: AgentView): boolean => a.state === 'idle';

/** The line appended to every delivered task: how to report. */
export function reportLine(id: string): string {
  return `When you are finished, report with: tmux-orc done ${id} "<one-line result>" (if you could not do it: tmux-orc done ${id} --fail "<why>")`;
}

/** The text typed into the agent: the task, a blank line, the report line. */
export const deliveryText = (id: string, text: string): string => `${text.replace(/\s+$/, '')}\n\n${reportLine(id)}`;
