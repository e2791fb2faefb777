import type { Argv, CommandModule } from 'yargs';
import { killAgent } from '../../../agents/manage.js';
import { rootOf } from './common.js';

interface Args {
  root?: string;
  names: string[];
}

export const agentKill: CommandModule<{ root?: string }, Args> = {
  command: 'kill <names..>',
  describe: 'kill agents\' windows and forget them (worktrees are kept: they hold the work)',
  builder: (y) => y.positional('names', { type: 'string', array: true, demandOption: true }).example('$0 agent kill eng-1', '') as unknown as Argv<Args>,
  handler: async (argv) => {
    const root = rootOf(argv);
    for (const n of argv.names.map(String)) {
      const r = await killAgent(root, n);
      process.stdout.write(`${r.name}: ${r.window ? 'killed' : 'forgotten (no window was left)'}\n`);
    }
  },
};
