/**
 * An agent's input box before a paste. Claude Code puts an interrupted message back into its input
 * box; a message pasted then would be appended to it. The preset's `input` pattern tells whether the
 * box holds text; such text is deleted with Ctrl-U (delete to the start of the line; at a line start
 * it joins the line above, so repeated presses empty a box of several lines) and, if it cannot be,
 * the delivery is refused rather than appended.
 */
import * as A from '../tmux/argv.js';
import { fail } from '../errors.js';
import type { TmuxClient } from '../tmux/client.js';
import { readScreen } from './pane.js';
import { until } from './wait.js';

/** The text in the input box (group 1 of the last match of `input` on screen), or undefined when it is empty. */
export function pendingInput(screen: string, input: RegExp | undefined): string | undefined {
  if (!input) return undefined;
  const all = new RegExp(input.source, input.flags.includes('g') ? input.flags : `${input.flags}g`);
  let last: string | undefined;
  for (const m of screen.matchAll(all)) last = m[1]?.trim() || undefined;
  return last;
}

/** Presses per round, and rounds: enough for a box of ~80 lines; each round waits for a redraw. */
const PRESSES = 8;
const ROUNDS = 20;

/** Empty the input box; throws undelivered (saying what is there) when it stays non-empty. */
export async function clearInput(tmux: TmuxClient, pane: string, input: RegExp | undefined): Promise<void> {
  let screen = await readScreen(tmux, pane);
  let text = pendingInput(screen, input);
  for (let round = 0; text !== undefined && round < ROUNDS; round++) {
    await tmux.run(A.sendKeys(pane, ...Array<string>(PRESSES).fill('C-u')));
    const before = screen;
    const changed = await until(async () => (screen = await readScreen(tmux, pane)) !== before, 500, 20);
    text = pendingInput(screen, input);
    if (!changed) break; // Ctrl-U does nothing here: more presses will not either
  }
  if (text !== undefined) {
    throw fail('undelivered', `pane ${pane}: its input box holds text that could not be cleared (${JSON.stringify(text.slice(0, 60))}); the message was not sent, so as not to append to it`);
  }
}
