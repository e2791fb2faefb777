/** `run-all CMD`, `run-one IDX CMD`, `run-master CMD`: type a command line into panes, exactly. */
import type { Argv, CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { parseWorkerIndex, runAll, runMaster, runOne } from '../../../session/send.js';
import { commandText, context } from './common.js';

type Args = { cmd?: string[]; idx?: string; force?: boolean; '--'?: string[] };
const cmdArg = <T>(y: Argv<T>) => y.positional('cmd', { type: 'string', array: true, describe: 'the command line, sent literally, then Enter' });

/** Options of `run-all` / `run-one`: main.ts splits their argv on this table (src/cli/command-lines.ts). */
export const RUN_OPTIONS = {
  force: { type: 'boolean', describe: 'type into panes where a worker loop runs too (it reads the text when it stops)' },
} as const;

export const runAllCommand: CommandModule<object, Args> = {
  command: 'run-all [cmd..]',
  describe: 'type CMD and Enter into every worker pane',
  builder: (y) => cmdArg(y),
  handler: async (argv) => {
    const out = await runAll(context(), commandText(argv));
    const missed = out.filter((o) => !o.delivered);
    for (const o of missed) process.stderr.write(`tmux-orc: worker-${o.worker}: ${o.reason}; not sent\n`);
    if (missed.length) throw fail('undelivered', `sent to ${out.length - missed.length} of ${out.length} worker panes`);
  },
};

export const runOneCommand: CommandModule<object, Args> = {
  command: 'run-one <idx> [cmd..]',
  describe: 'type CMD and Enter into worker pane IDX (0-based)',
  builder: (y) => cmdArg(y.positional('idx', { type: 'string', describe: 'worker number, 0-based' })),
  handler: async (argv) => {
    const n = parseWorkerIndex(argv.idx ?? '');
    await runOne(context(), n, commandText(argv));
  },
};

export const runMasterCommand: CommandModule<object, Args> = {
  command: 'run-master [cmd..]',
  describe: 'type CMD and Enter into the master pane',
  builder: (y) => cmdArg(y),
  handler: async (argv) => {
    await runMaster(context(), commandText(argv));
  },
};
