import type { Argv, CommandModule } from 'yargs';
import { listAgents } from '../../../agents/registry.js';
import { printJson, printTable } from '../../output.js';
import { rootOf } from './common.js';

interface Args {
  root?: string;
  json?: boolean;
}

export const agentList: CommandModule<{ root?: string }, Args> = {
  command: 'list',
  describe: 'list the agents recorded in the tree (works from any shell; no tmux needed)',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }).example('$0 agent list --json', '') as unknown as Argv<Args>,
  handler: (argv) => {
    const recs = listAgents(rootOf(argv));
    if (argv.json) return printJson(recs.map((r) => ({ ...r, created: new Date(r.created).toISOString(), started: r.started ? new Date(r.started).toISOString() : undefined })));
    printTable(
      ['NAME', 'ROLE', 'PRESET', 'WINDOW', 'PANE', 'CWD', 'COMMAND'],
      recs.map((r) => [r.name, r.role, r.preset, `${r.session}:${r.name}`, r.pane ?? '-', r.cwd, r.command || '(shell)']),
    );
  },
};
