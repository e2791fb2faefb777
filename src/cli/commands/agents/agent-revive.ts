import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../../../errors.js';
import { reviveAgents } from '../../../agents/manage.js';
import { printJson } from '../../output.js';
import { durationOpt, rootOf } from './common.js';

interface Args {
  root?: string;
  names?: string[];
  json?: boolean;
  readyTimeout?: string;
}

export const agentRevive: CommandModule<{ root?: string }, Args> = {
  command: 'revive [names..]',
  describe: 'restart agents whose pane or tmux server died (same window name, cwd, command; briefing re-sent); running ones are left alone',
  builder: (y) =>
    y
      .positional('names', { type: 'string', array: true, describe: 'agents to revive (default: all)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .option('ready-timeout', { type: 'string', describe: 'how long to wait for each prompt (default 60s)' })
      .example('$0 agent revive', 'after a reboot or tmux kill-server')
      .example('$0 agent revive eng-1', '') as unknown as Argv<Args>,
  handler: async (argv) => {
    const out = await reviveAgents(rootOf(argv), (argv.names ?? []).map(String), { readyTimeoutMs: durationOpt('ready-timeout', argv.readyTimeout, 60_000) });
    if (argv.json) printJson(out);
    else for (const r of out) process.stdout.write(`${r.name}: ${r.result}${r.error ? `: ${r.error}` : ''}\n`);
    if (out.some((r) => r.result === 'failed')) process.exitCode = EXIT.failed;
  },
};
