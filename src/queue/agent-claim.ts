/**
 * Claiming an agent task: agent-holder.pl renames it into running/ under a kernel lock and holds
 * it, detached, for as long as the agent's process lives and the task stays where it claimed it.
 * So a dispatcher killed at any point leaves every delivered task held (alive to recovery) and
 * re-adoptable from the tree; an agent that dies lets go of its task, and recovery requeues it.
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { encode } from '../persist/codec.js';
import { HOST } from '../persist/proc.js';
import { iso } from '../time.js';
import { chooseLauncher } from '../worker/choose-launcher.js';
import { taskPath, type Tree } from './tree.js';

let program: string | undefined;
/** The program's text: next to this module in src/, next to the bundle in dist/. */
const holderProgram = () => (program ??= fs.readFileSync(new URL('./agent-holder.pl', import.meta.url), 'utf8'));

/** What a claim for an agent asks for. */
export interface AgentClaimRequest {
  name: string;
  agent: string;
  token: string;
  attempt: number;
  /** The agent's process (its pane's pid and start time): the hold ends when it is gone. */
  watch?: { pid: number; start: string };
  now?: number;
}

export type AgentClaimReply =
  | { kind: 'claimed'; holderPid: number }
  | { kind: 'gone' | 'busy' }
  | { kind: 'bad' | 'error'; reason: string };

/** The WORKER value of an agent task's owner record. */
export const agentWorker = (agent: string): string => `agent:${agent}`;

/** Claim the queued file `name` for `agent`; resolves once the holder has replied. */
export function claimForAgent(t: Tree, r: AgentClaimRequest, env: NodeJS.ProcessEnv = process.env): Promise<AgentClaimReply> {
  const { perl } = chooseLauncher(env);
  const c = fs.constants;
  const head = encode([['ATTEMPT', String(r.attempt)], ['WORKER', agentWorker(r.agent)], ['HOST', HOST]]);
  const tail = encode([['CLAIM', r.token], ['STARTED', iso(r.now ?? Date.now())]]);
  const args = ['-e', holderProgram(), taskPath(t, 'queue', r.name), taskPath(t, 'running', r.name), head, tail,
    String(r.watch?.pid ?? 0), r.watch?.start ?? '', [c.O_RDWR, c.O_APPEND, c.O_NOFOLLOW, c.O_NONBLOCK].join(',')];
  // Its own session, no pipe it could die of later: it must outlive the dispatcher.
  const child = spawn(perl, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const done = (reply: AgentClaimReply) => {
      if (settled) return;
      settled = true;
      child.stdout!.destroy();
      child.unref();
      resolve(reply);
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const line = out.slice(0, nl);
      const [word, ...rest] = line.split(' ');
      if (word === 'claimed') done({ kind: 'claimed', holderPid: child.pid! });
      else if (word === 'gone' || word === 'busy') done({ kind: word });
      else if (word === 'bad') done({ kind: 'bad', reason: rest.join(' ') });
      else done({ kind: 'error', reason: line });
    });
    child.on('error', (err) => done({ kind: 'error', reason: `agent holder: ${err.message}` }));
    child.on('close', (code, signal) => done({ kind: 'error', reason: `agent holder ended without a reply (${signal ?? `exit ${code}`})` }));
  });
}
