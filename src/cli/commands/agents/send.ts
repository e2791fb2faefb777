import type { Argv, CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { sendMessage, checkMessage } from '../../../agents/send.js';
import { readStdin, rootOf } from './common.js';

interface Args {
  root?: string;
  target: string;
  message?: string[];
  from?: string;
  '--'?: string[];
}

/** The message words as typed (after `--` too), or stdin for `-`. */
export async function messageText(words: Array<string | number> | undefined, rest: string[] | undefined): Promise<string> {
  const all = [...(words ?? []), ...(rest ?? [])].map(String);
  // yargs drops a lone `-` from positionals; the raw argv still has it.
  if (all.length === 0 && process.argv.slice(3).includes('-')) return readStdin();
  if (all.length === 0) throw fail('usage', 'empty message: give the text to send (or - to read it from stdin)');
  return all.length === 1 && all[0] === '-' ? readStdin() : all.join(' ');
}

/** `send`'s options: main.ts splits its argv on this table (src/cli/command-lines.ts). */
export const SEND_OPTIONS = {
  from: { type: 'string', describe: 'sender shown to the receiver (default: $ORC_AGENT, set in agent windows)' },
} as const;

export const send: CommandModule<{ root?: string }, Args> = {
  command: 'send <target> [message..]',
  describe: 'send a message to an agent and make sure it was submitted (one paste, Enter, verified)',
  builder: (y) =>
    y
      .positional('target', { type: 'string', describe: 'agent name, or session:window[.pane]' })
      .positional('message', { type: 'string', array: true, describe: 'the text; - reads it from stdin' })
      .options(SEND_OPTIONS)
      .example('$0 send eng-1 "Run the tests and fix what fails"', '')
      .example('$0 send frontend:0 - < notes.md', 'multi-line text arrives as one message')
      .example('$0 send pm-web --from eng-1 "Auth is done"', 'the receiver sees [from eng-1] Auth is done; options go before the text')
      .epilog('Exit codes: 0 delivered; 2 empty or over 64 KiB; 3 unknown target; 9 target dead or submission not confirmed.') as unknown as Argv<Args>,
  handler: async (argv) => {
    const text = await messageText(argv.message, argv['--']);
    checkMessage(text);
    const from = argv.from ?? (process.env.ORC_AGENT || undefined);
    const d = await sendMessage(rootOf(argv), String(argv.target), text, { from });
    process.stdout.write(`delivered to ${argv.target} (${d.pane})${d.enters > 1 ? ', Enter pressed twice' : ''}\n`);
  },
};
