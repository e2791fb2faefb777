import type { Argv, CommandModule } from 'yargs';
import { agentStatuses } from '../../../agents/statuses.js';
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
    const withQueue = await agentStatuses(root, argv.target === undefined ? undefined : String(argv.target), timingFrom(argv));
    if (argv.json) return printJson(argv.target === undefined ? withQueue : withQueue[0]);
    printTable(
      ['NAME', 'ROLE', 'STATE', 'FOR', 'LAST ACTIVITY', 'TASK', 'QUEUED', 'REASON'],
      withQueue.map((s) => [s.name, s.role, s.pending ? `${s.state} (→${s.pending}?)` : s.state, ago(s.since).replace(' ago', ''), ago(s.lastActivity), s.task ?? '-', String(s.queued), s.reason]),
    );
  },
};

