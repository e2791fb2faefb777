/**
 * Scenario 7: how soon an agent that went idle gets its next queued turn. One fake agent (the
 * tests' fixture: it works `work N` seconds, prints its prompt, then runs the report line), a
 * queue of turns, the real dispatcher in its tmux window. For each turn after the first:
 *   idle      = the end of the second in which its prompt came back (tmux keeps window activity
 *               in whole seconds) + the quiet time + the debounce: when its state turns idle;
 *   delivered = when the agent received the next turn (its paste submitted);
 * giving the dispatcher's reaction (idle → delivered: a tick, the claim, the verified paste) and
 * the whole gap (prompt back → delivered), which the status timing dominates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLI, REPO, percentile, run, tempDir, until } from './measure.js';
import { benchEnv } from './ours.js';
import { ensureTree, tree } from '../src/queue/tree.js';

const QUIET_MS = 1000;
const DEBOUNCE_MS = 500;

export interface AgentLatency {
  reaction: { p50: number; p95: number };
  gap: { p50: number; p95: number };
  samples: number;
  quietMs: number;
  debounceMs: number;
}

export async function agentQueueLatency(turns: number): Promise<AgentLatency> {
  const dir = tempDir('agentq');
  const root = path.join(dir, 'tasks');
  ensureTree(tree(root));
  const log = path.join(dir, 'received.jsonl');
  const socket = `orc-bench-agentq-${process.pid}`;
  const env = { ...benchEnv({ TMUX_SOCKET: socket, TMUX_SESSION: 'bench', FAKE_AGENT_LOG: log, TMUX_ORC_AGENT_QUIET: `${QUIET_MS}ms`, TMUX_ORC_AGENT_DEBOUNCE: `${DEBOUNCE_MS}ms` }), TASK_ROOT: root }; // benchEnv drops TASK_ROOT
  const cli = async (...args: string[]) => {
    const r = await run(process.execPath, [CLI, ...args], { env, cwd: dir });
    if (r.code !== 0) throw new Error(`tmux-orc ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    await cli('agent', 'spawn', '--name', 'a1', '--role', 'engineer', '--cwd', dir, '--command', `node ${path.join(REPO, 'test', 'fixtures', 'fake-agent.mjs')}`,
      '--ready-pattern', '^fake>', '--busy-pattern', 'esc to interrupt');
    // Work of different lengths, so the prompt comes back at different points of a second.
    for (let i = 0; i < turns; i++) await cli('assign', 'a1', `work ${(0.3 + ((i * 0.37) % 1)).toFixed(2)}: turn ${i}`);
    const records = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { at: number; text: string }) : []);
    await until('every turn reported', () => records().filter((r) => r.text.startsWith('[report]')).length === turns, 60_000 + turns * 8000, 100);
    const recs = records();
    const reaction: number[] = [];
    const gap: number[] = [];
    let over: number | undefined;
    for (const r of recs) {
      if (r.text === '[turn over]') over = r.at;
      else if (r.text.startsWith('work ') && over !== undefined) {
        const idle = Math.floor(over / 1000) * 1000 + 999 + QUIET_MS + DEBOUNCE_MS;
        reaction.push(r.at - idle);
        gap.push(r.at - over);
        over = undefined;
      }
    }
    return {
      reaction: { p50: percentile(reaction, 50), p95: percentile(reaction, 95) },
      gap: { p50: percentile(gap, 50), p95: percentile(gap, 95) },
      samples: reaction.length,
      quietMs: QUIET_MS,
      debounceMs: DEBOUNCE_MS,
    };
  } finally {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // no server left
    }
  }
}
