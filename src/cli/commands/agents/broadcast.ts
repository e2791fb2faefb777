import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../../../errors.js';
import { checkMessage, sendMessage } from '../../../agents/send.js';
import { teamAgents } from '../../../agents/team.js';
import { messageText } from './send.js';
import { rootOf } from './common.js';

interface Args {
  root?: string;
  message?: string[];
  role?: string;
  session?: string;
  from?: string;
  '--'?: string[];
}

/** `broadcast`'s options: main.ts splits its argv on this table (src/cli/command-lines.ts). */
export const BROADCAST_OPTIONS = {
  role: { type: 'string', describe: 'only agents of this role' },
  session: { type: 'string', describe: 'only agents in this tmux session' },
  from: { type: 'string', describe: 'sender (default: $ORC_AGENT)' },
} as const;

export const broadcast: CommandModule<{ root?: string }, Args> = {
  command: 'broadcast [message..]',
  describe: 'send one message to every agent (or those of a role or session), except the sender',
  builder: (y) =>
    y
      .positional('message', { type: 'string', array: true, describe: 'the text; - reads it from stdin' })
      .options(BROADCAST_OPTIONS)
      .example('$0 broadcast --role engineer "Code freeze at 17:00"', 'options go before the text') as unknown as Argv<Args>,
  handler: async (argv) => {
    const text = await messageText(argv.message, argv['--']);
    checkMessage(text);
    const root = rootOf(argv);
    const from = argv.from ?? (process.env.ORC_AGENT || undefined);
    const agents = teamAgents(root, argv.session).filter((a) => (argv.role === undefined || a.role === argv.role) && a.name !== from);
    if (agents.length === 0) process.stderr.write('tmux-orc: no agents matched; nothing sent\n');
    let failed = false;
    for (const a of agents) {
      try {
        await sendMessage(root, a.name, text, { from });
        process.stdout.write(`${a.name}: delivered\n`);
      } catch (err) {
        failed = true;
        process.stdout.write(`${a.name}: NOT delivered: ${(err as Error).message}\n`);
      }
    }
    if (failed) process.exitCode = EXIT.undelivered;
  },
};
