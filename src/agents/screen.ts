/** The last lines on an agent's screen (the server's agent view; `agent status` does not print them). */
import { tmuxClient } from '../tmux/client.js';
import { readScreen } from './pane.js';
import type { AgentRecord } from './registry.js';
import { bottomLines } from './status.js';
import { existingPane } from './window.js';

/** The bottom `n` lines of the agent's visible screen; [] when it has no live pane or n is 0. */
export async function screenLines(rec: AgentRecord, n: number): Promise<string[]> {
  if (n <= 0) return [];
  const tmux = tmuxClient(rec.socket);
  const pane = await existingPane(tmux, rec);
  if (!pane) return [];
  const screen = await readScreen(tmux, pane).catch(() => '');
  return screen === '' ? [] : bottomLines(screen, n).split('\n');
}
