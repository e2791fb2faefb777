/** `run-all CMD`, `run-one IDX CMD`, `run-master CMD`: type a command line into panes, exactly. */
import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../../../errors.js';
import { parseWorkerIndex, runAll, runMaster, runOne } from '../../../session/send.js';
import { commandText, context, optionalRoot } from './common.js';

type Args = { cmd?: string[]; idx?: string; force?: boolean; root?: string; '--'?: string[] };
const cmdArg = <T>(y: Argv<T>) => y.positional('cmd', { type: 'string', array: true, describe: 'the command line, sent literally, then Enter' });

/** Options of `run-all` / `run-one`: main.ts splits their argv on this table (src/cli/command-lines.ts). */
export const RUN_OPTIONS = {
  force: { type: 'boolean', describe: 'type into panes where a worker loop runs too (it reads the text when it stops)' },
} as const;

export const runAllCommand: CommandModule<object, Args> = {
  command: 'run-all [cmd..]',
  describe: 'type CMD and Enter into every worker pane at a prompt; panes running a worker loop are skipped (exit 4) unless --force',
  builder: (y) =>
    cmdArg(y)
      .options(RUN_OPTIONS)
      .example('$0 run-all git pull --rebase', 'everything from the command on is sent as typed')
      .example("$0 run-all 'cd ~/app && make -j4'", 'one quoted command line'),
  handler: async (argv) => {
    const out = await runAll(context(), commandText(argv), { force: argv.force, root: optionalRoot(argv) });
    const missed = out.filter((o) => !o.delivered);
    for (const o of missed) process.stderr.write(`tmux-orc: worker-${o.worker}: ${o.reason}; ${o.skipped ? 'skipped (--force types anyway)' : 'not sent'}\n`);
    const skipped = missed.filter((o) => o.skipped).length;
    if (skipped) process.exitCode = EXIT.conflict;
    else if (missed.length) process.exitCode = EXIT.undelivered;
  },
};

export const runOneCommand: CommandModule<object, Args> = {
  command: 'run-one <idx> [cmd..]',
  describe: 'type CMD and Enter into worker pane IDX (0-based); refused (exit 4) where a worker loop runs, unless --force',
  builder: (y) =>
    cmdArg(y.positional('idx', { type: 'string', describe: 'worker number, 0-based' }))
      .options(RUN_OPTIONS)
      .example('$0 run-one 0 htop', 'worker-0 runs htop')
      .example('$0 run-one 1 --force q', 'type into worker-1 although its worker loop runs'),
  handler: async (argv) => {
    const n = parseWorkerIndex(argv.idx ?? '');
    await runOne(context(), n, commandText(argv), { force: argv.force, root: optionalRoot(argv) });
  },
};

export const runMasterCommand: CommandModule<object, Args> = {
  command: 'run-master [cmd..]',
  describe: 'type CMD and Enter into the master pane',
  builder: (y) => cmdArg(y).example('$0 run-master tmux-orc tasks-list running', 'everything from the command on is sent as typed'),
  handler: async (argv) => {
    await runMaster(context(), commandText(argv));
  },
};
