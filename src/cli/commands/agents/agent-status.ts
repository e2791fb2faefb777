import type { Argv, CommandModule } from 'yargs';
import { agentStatus, type AgentStatus } from '../../../agents/observe.js';
import { listAgents, requireAgent, type AgentRecord } from '../../../agents/registry.js';
import { isTmuxTarget, resolveTarget } from '../../../agents/resolve.js';
import { printJson, printTable } from '../../output.js';
import { ago, rootOf, timingFrom, timingOptions, type TimingArgs } from './common.js';

interface Args extends TimingArgs {
  root?: string;
  target?: string;
  json?: boolean;
}

export const agentStatusCmd: CommandModule<{ root?: string }, Args> = {
  command: 'status [target]',
  describe: 'state of one agent or all: starting, idle, busy, waiting-for-input, needs-login, dead, unknown, with the reason',
  builder: (y) =>
    timingOptions(
      y
        .positional('target', { type: 'string', describe: 'agent name or session:window[.pane] (default: all agents)' })
        .option('json', { type: 'boolean', describe: 'machine-readable output' }),
    )
      .example('$0 agent status', 'one line per agent')
      .example('$0 agent status eng-1 --json', '') as unknown as Argv<Args>,
  handler: async (argv) => {
    const root = rootOf(argv);
    const timing = timingFrom(argv);
    const rows: AgentStatus[] = [];
    const target = argv.target === undefined ? undefined : String(argv.target);
    if (target !== undefined && isTmuxTarget(target)) {
      const t = await resolveTarget(target, root);
      rows.push(t.agent ? await agentStatus(root, t.agent, timing) : await agentStatus(root, paneRecord(target, t.tmux.socket, t.info!.session), timing, { pane: t.info!.pane, key: `_pane${t.info!.pane.slice(1)}` }));
    } else {
      const recs = target === undefined ? listAgents(root) : [requireAgent(root, target)];
      for (const r of recs) rows.push(await agentStatus(root, r, timing));
    }
    if (argv.json) return printJson(argv.target === undefined ? rows : rows[0]);
    printTable(
      ['NAME', 'ROLE', 'STATE', 'FOR', 'LAST ACTIVITY', 'REASON'],
      rows.map((s) => [s.name, s.role, s.pending ? `${s.state} (→${s.pending}?)` : s.state, ago(s.since).replace(' ago', ''), ago(s.lastActivity), s.reason]),
    );
  },
};

/** A stand-in record for a pane that is no agent of ours: no patterns, judged by activity alone. */
function paneRecord(target: string, socket: string, session: string): AgentRecord {
  return { name: target, role: '-', preset: 'custom', command: '', cwd: '', env: [], brief: '', socket, session, patterns: {}, created: 0 };
}
