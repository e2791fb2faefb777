/**
 * Reliable delivery of one message to an agent's pane:
 *   1. resolve the target to a pane id, refuse a dead or missing pane;
 *   2. leave copy mode (send-keys text into copy mode is swallowed silently);
 *   2b. empty the agent's input box if it holds text (an interrupted message put back), see input.ts;
 *   3. paste the text as ONE bracketed paste (multi-line text is one message, not many);
 *   4. after a short delay press Enter, as a separate key;
 *   5. confirm from the screen that it was submitted (or, for a line-oriented program that only echoes
 *      the newline, from the cursor going to a new line); if not, press Enter once more and confirm again.
 * Sends to one pane are serialised by a lock in the tree so two senders never interleave.
 */
import path from 'node:path';
import { fail, OrcError } from '../errors.js';
import { withLock } from '../persist/lock.js';
import { ensureTree, tree } from '../queue/tree.js';
import type { TmuxClient } from '../tmux/client.js';
import { logMessage, type LoggedMessage } from './messages.js';
import { cursorOf, readScreen, leaveMode, paneInfo, paste, pressEnter } from './pane.js';
import { requireAgent } from './registry.js';
import { resolveTarget, type Target } from './resolve.js';
import { cursorWentDown, looksSubmitted } from './submit.js';
import { clearInput } from './input.js';
import { compilePattern } from './presets.js';
import { sleep, until } from './wait.js';

/** Messages above this many bytes are refused: agent UIs and tmux buffers choke on more. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Timing of a delivery; the defaults suit the agent CLIs we know. */
export interface DeliveryTiming {
  /** Pause between the paste and Enter, so the UI has taken the paste in. */
  enterDelayMs: number;
  /** How long to wait for the screen to show the submission after each Enter. */
  confirmMs: number;
}

const DEFAULT_TIMING: DeliveryTiming = { enterDelayMs: 150, confirmMs: 2500 };

/** Refuse empty and oversized messages (usage errors), before anything is resolved. */
export function checkMessage(text: string): void {
  if (text.trim() === '') throw fail('usage', 'empty message: give the text to send (or - to read it from stdin)');
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_MESSAGE_BYTES) throw fail('usage', `message is ${bytes} bytes, over the ${MAX_MESSAGE_BYTES}-byte (64 KiB) limit: send a file path instead`);
}

/** The outcome of one delivery. */
export interface Delivery {
  pane: string;
  enters: number;
}

/** Deliver text to a live pane; throws OrcError('undelivered') when submission cannot be confirmed. */
async function deliver(tmux: TmuxClient, pane: string, text: string, timing: DeliveryTiming = DEFAULT_TIMING, input?: RegExp): Promise<Delivery> {
  await ensureAlive(tmux, pane);
  await clearInput(tmux, pane, input);
  const before = await readScreen(tmux, pane);
  await paste(tmux, pane, text);
  // Wait for the paste to show and settle (long pastes render in several frames).
  await until(async () => (await readScreen(tmux, pane)) !== before, 1500, 25);
  await sleep(timing.enterDelayMs);
  let pending = await settled(tmux, pane);
  for (let enters = 1; enters <= 2; enters++) {
    if (enters > 1) await ensureAlive(tmux, pane);
    const cursor = await cursorOf(tmux, pane);
    await pressEnter(tmux, pane);
    const ok = await until(async () => {
      const screen = await readScreen(tmux, pane);
      return looksSubmitted(pending, screen, text) || (screen === pending && cursorWentDown(cursor, await cursorOf(tmux, pane)));
    }, timing.confirmMs, 40);
    if (ok) return { pane, enters };
    pending = await readScreen(tmux, pane);
  }
  throw fail('undelivered', `message pasted into ${pane} but its submission could not be confirmed after pressing Enter twice (is the agent stuck on a prompt? tmux-orc agent status)`);
}

/** Refuse a dead pane; leave copy mode if the pane is in it. */
async function ensureAlive(tmux: TmuxClient, pane: string): Promise<void> {
  const info = await paneInfo(tmux, pane);
  if (!info) throw fail('undelivered', `pane ${pane} is gone`);
  if (info.dead) throw fail('undelivered', `pane ${pane} is dead (its command exited with status ${info.deadStatus ?? '?'})`);
  if (info.inMode) {
    await leaveMode(tmux, pane);
    const left = await until(async () => !(await paneInfo(tmux, pane))?.inMode, 1000, 20);
    if (!left) throw fail('undelivered', `pane ${pane} stays in copy mode; cannot type into it`);
  }
}

/** A capture taken once two in a row agree (or after a second). */
async function settled(tmux: TmuxClient, pane: string): Promise<string> {
  let prev = await readScreen(tmux, pane);
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline) {
    await sleep(40);
    const cur = await readScreen(tmux, pane);
    if (cur === prev) return cur;
    prev = cur;
  }
  return prev;
}

/** Options of `send`. */
export interface SendOptions {
  from?: string;
  timing?: DeliveryTiming;
  env?: NodeJS.ProcessEnv;
}

/** The text as delivered: the sender, when known, leads the first line. */
const withSender = (text: string, from?: string): string => (from ? `[from ${from}] ${text}` : text);

/**
 * Send a message to a target (agent name or tmux target) and log it in `<root>/messages.log`.
 * Throws not-found for an unknown target, undelivered for a dead one or an unconfirmed submission.
 */
export async function sendMessage(root: string, targetSpec: string, text: string, opts: SendOptions = {}): Promise<Delivery> {
  checkMessage(text);
  const target = await resolveTarget(targetSpec, root, opts.env);
  const entry: LoggedMessage = { at: new Date().toISOString(), from: opts.from, to: target.agent?.name ?? targetSpec, pane: target.info?.pane, text, status: 'failed' };
  try {
    const pane = livePane(target);
    const input = compilePattern(target.agent?.patterns.input, 'input pattern');
    const d = await withPaneLock(root, pane, () => deliver(target.tmux, pane, withSender(text, opts.from), opts.timing, input));
    logMessage(root, { ...entry, status: 'delivered', enters: d.enters });
    return d;
  } catch (err) {
    const unconfirmed = err instanceof OrcError && err.message.includes('could not be confirmed');
    logMessage(root, { ...entry, status: unconfirmed ? 'unconfirmed' : 'failed', enters: unconfirmed ? 2 : undefined, reason: (err as Error).message });
    throw err;
  }
}

/**
 * Where a message without a target goes: the sender is an agent (`caller`, its $ORC_AGENT) and it
 * replies to whoever it reports to. Usage errors say what is missing.
 */
export function replyTarget(root: string, caller: string | undefined): string {
  if (!caller) throw fail('usage', 'no target, and not running inside an agent window ($ORC_AGENT is unset): give a target');
  const rec = requireAgent(root, caller);
  if (!rec.reportsTo) throw fail('usage', `no target, and agent ${caller} reports to nobody: give a target`);
  return rec.reportsTo;
}

/** The pane id of a live target; undelivered when it is dead or gone. */
function livePane(target: Target): string {
  const who = target.agent ? `agent ${target.agent.name}` : `target ${target.spec}`;
  const hint = target.agent ? ` (restart it: tmux-orc agent revive ${target.agent.name})` : '';
  if (!target.info) throw fail('undelivered', `${who} is dead: it has no pane on tmux socket ${target.tmux.socket}${hint}`);
  if (target.info.dead) throw fail('undelivered', `${who} is dead: pane ${target.info.pane} exited with status ${target.info.deadStatus ?? '?'}${hint}`);
  return target.info.pane;
}

/** One send to a pane at a time; a delivery takes seconds, so a waiting sender waits up to 30 s. */
async function withPaneLock<T>(root: string, pane: string, fn: () => Promise<T>): Promise<T> {
  const t = tree(root);
  ensureTree(t);
  const lockfilePath = path.join(t.dir('tmp'), `send-${pane.replace(/[^A-Za-z0-9]/g, '')}.lock`);
  return withLock(lockfilePath, fn, { staleMs: 30_000, waitMs: 30_000 });
}
