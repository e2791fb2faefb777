/**
 * Agent status as pure decisions: `classify` turns one sample of a pane into a state and the reason
 * it was chosen; `debounce` decides whether the reported state changes. No tmux, no fs here.
 *
 * A state changes only after the new one held for the debounce interval, so a spinner that pauses
 * for a second does not make a busy agent flap to idle. Going to or from `dead` is immediate:
 * that is a fact reported by tmux, not a guess read off the screen.
 *
 * Where the agent has a busy pattern, that pattern alone decides busy: real CLIs redraw footers and
 * notices while idle (Claude Code alternates two every ~10 s), so "the screen changed" means busy
 * only for programs without one.
 */

/** What an agent is doing. */
export type AgentState = 'starting' | 'idle' | 'busy' | 'waiting-for-input' | 'needs-login' | 'dead' | 'unknown';

/** One look at an agent's pane. */
export interface Sample {
  now: number;
  /** undefined when the pane (or the whole server) is gone. */
  pane?: { dead: boolean; deadStatus?: number; deadSignal?: number; activity: number };
  /** Why there is no pane, when there is none. */
  goneReason?: string;
  /** The visible screen; undefined when it could not be read. */
  screen?: string;
  patterns: { ready?: RegExp; busy?: RegExp; waiting?: RegExp; login?: RegExp };
  /** When the agent's command was (re)started, epoch ms. */
  started: number;
}

/** Thresholds of the classifier. */
export interface StatusTiming {
  /** Output within this long means busy; quiet for this long means idle. */
  quietMs: number;
  /** Before this long after start, an agent without its prompt on screen is starting. */
  startupMs: number;
  /** A new state must hold this long before it is reported. */
  debounceMs: number;
}

export const DEFAULT_STATUS_TIMING: StatusTiming = { quietMs: 3000, startupMs: 60_000, debounceMs: 3000 };

/** A classified sample: the state, why, and since when it is known to hold (if the sample tells). */
export interface Observation {
  state: AgentState;
  reason: string;
  at: number;
  heldSince?: number;
}

/** Only the bottom of the screen counts: old scrollback must not keep an agent busy or waiting. */
export function bottomLines(screen: string, n = 12): string {
  const lines = screen.replace(/\s+$/, '').split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}

const secs = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))}s`;
const quote = (m: RegExpExecArray): string => JSON.stringify(m[0].trim().slice(0, 40));

/** Classify one sample. */
export function classify(s: Sample, timing: StatusTiming = DEFAULT_STATUS_TIMING): Observation {
  const at = s.now;
  if (!s.pane) return { state: 'dead', reason: s.goneReason ?? 'its pane is gone', at };
  if (s.pane.dead) {
    const how = s.pane.deadSignal ? `was killed by signal ${s.pane.deadSignal}` : `exited with status ${s.pane.deadStatus ?? '?'}`;
    return { state: 'dead', reason: `pane ${how}`, at };
  }
  if (s.screen === undefined) return { state: 'unknown', reason: 'the screen could not be read', at };
  const bottom = bottomLines(s.screen);
  const login = s.patterns.login?.exec(bottom);
  if (login) return { state: 'needs-login', reason: `a sign-in, onboarding or trust screen, not its prompt: ${quote(login)}`, at };
  const waiting = s.patterns.waiting?.exec(bottom);
  if (waiting) return { state: 'waiting-for-input', reason: `preset pattern matched: ${quote(waiting)}`, at };
  const busy = s.patterns.busy?.exec(bottom);
  if (busy) return { state: 'busy', reason: `preset pattern matched: ${quote(busy)}`, at };
  const quiet = at - s.pane.activity;
  // Without a ready pattern, any screen (an empty one too) is ready once it is quiet.
  const ready = s.patterns.ready ? s.patterns.ready.test(bottom) : true;
  const young = at - s.started < timing.startupMs;
  if (!ready && young) return { state: 'starting', reason: `no prompt on screen yet, ${secs(at - s.started)} after start`, at };
  if (ready && s.patterns.busy) return { state: 'idle', reason: 'at its prompt, no busy sign on screen', at };
  if (quiet < timing.quietMs) return { state: 'busy', reason: `screen changed ${secs(quiet)} ago`, at };
  if (!ready) return { state: 'unknown', reason: `screen unchanged for ${secs(quiet)} but no prompt on screen`, at };
  return { state: 'idle', reason: `screen unchanged for ${secs(quiet)}`, at, heldSince: s.pane.activity + timing.quietMs };
}

/** The reported state and the one waiting to replace it; persisted between samples. */
export interface Debounced {
  state: AgentState;
  reason: string;
  since: number;
  candidate?: AgentState;
  candidateSince?: number;
}

/** Fold one observation into the reported state. */
export function debounce(prev: Debounced | undefined, obs: Observation, debounceMs: number): Debounced {
  if (!prev) return { state: obs.state, reason: obs.reason, since: obs.heldSince ?? obs.at };
  if (obs.state === prev.state) return { state: prev.state, reason: obs.reason, since: prev.since };
  const candidateSince = prev.candidate === obs.state && prev.candidateSince !== undefined ? prev.candidateSince : (obs.heldSince ?? obs.at);
  const hard = obs.state === 'dead' || prev.state === 'dead';
  if (hard || obs.at - candidateSince >= debounceMs) return { state: obs.state, reason: obs.reason, since: candidateSince };
  return { ...prev, candidate: obs.state, candidateSince };
}
