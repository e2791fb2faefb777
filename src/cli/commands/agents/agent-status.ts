import type { Argv, CommandModule } from 'yargs';
import { agentStatus, type AgentStatus } from '../../../agents/observe.js';
import { listAgents, requireAgent } from '../../../agents/registry.js';
import { printJson, printTable } from '../../output.js';
import { ago, rootOf, timingFrom, timingOptions, type TimingArgs } from './common.js';

interface Args extends TimingArgs {
  root?: string;
  target?: string;
  json?: boolean;
}

export const agentStatusCmd: CommandModule<{ root?: string }, Args> = {
  command: 'status [target]',
  describe: 'state of one agent or all: starting, idle, busy, waiting-for-input, dead, unknown, with the reason',
  builder: (y) =>
    timingOptions(
      y
        .positional('target', { type: 'string', describe: 'agent name (default: all agents)' })
        .option('json', { type: 'boolean', describe: 'machine-readable output' }),
    )
      .example('$0 agent status', 'one line per agent')
      .example('$0 agent status eng-1 --json', '') as unknown as Argv<Args>,
  handler: async (argv) => {
    const root = rootOf(argv);
    const timing = timingFrom(argv);
    const recs = argv.target === undefined ? listAgents(root) : [requireAgent(root, String(argv.target))];
    const rows: AgentStatus[] = [];
    for (const r of recs) rows.push(await agentStatus(root, r, timing));
    if (argv.json) return printJson(argv.target === undefined ? rows : rows[0]);
    printTable(
      ['NAME', 'ROLE', 'STATE', 'FOR', 'LAST ACTIVITY', 'REASON'],
      rows.map((s) => [s.name, s.role, s.pending ? `${s.state} (→${s.pending}?)` : s.state, ago(s.since).replace(' ago', ''), ago(s.lastActivity), s.reason]),
    );
  },
};
