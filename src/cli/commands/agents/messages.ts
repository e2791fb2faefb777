import type { Argv, CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { readMessages } from '../../../agents/messages.js';
import { printJson } from '../../output.js';
import { rootOf } from './common.js';

interface Args {
  root?: string;
  agent?: string;
  n?: number;
  json?: boolean;
}

export const messages: CommandModule<{ root?: string }, Args> = {
  command: 'messages',
  describe: 'the message log: who sent what to whom, and whether it was delivered',
  builder: (y) =>
    y
      .option('agent', { type: 'string', describe: 'only messages to or from this agent' })
      .option('n', { type: 'number', describe: 'only the last N (default 20)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 messages --agent eng-1 -n 5', '') as unknown as Argv<Args>,
  handler: (argv) => {
    const n = argv.n ?? 20;
    if (!Number.isInteger(n) || n < 1) throw fail('usage', '-n must be a whole number of at least 1');
    const list = readMessages(rootOf(argv), { agent: argv.agent, limit: n });
    if (argv.json) return printJson(list);
    for (const m of list) {
      const mark = m.status === 'delivered' ? '' : ` [${m.status}${m.reason ? `: ${m.reason}` : ''}]`;
      const body = m.text.includes('\n') ? `\n  ${m.text.replace(/\n/g, '\n  ')}` : ` ${m.text}`;
      process.stdout.write(`${m.at} ${m.from ?? '-'} → ${m.to}${mark}:${body}\n`);
    }
  },
};
