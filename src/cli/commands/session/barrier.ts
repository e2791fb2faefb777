/** `barrier-wait` / `barrier-signal`: named barriers with a durable record (see src/coord/barrier.ts). */
import type { CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { barrierSignal, barrierWait, checkBarrierName } from '../../../coord/barrier.js';
import { config } from '../../../config.js';
import { parseDuration } from '../../../time.js';
import { rootOf, withRoot } from './common.js';

type Args = { name: string; timeout?: string; parties?: string; root?: string };

export const barrierWaitCommand: CommandModule<object, Args> = {
  command: 'barrier-wait <name>',
  describe: 'wait until barrier NAME is signalled (or N parties have arrived); exit 7 on --timeout',
  builder: (y) =>
    withRoot(
      y
        .positional('name', { type: 'string', demandOption: true })
        .option('timeout', { type: 'string', describe: 'give up after DUR (30s, 5m, ...)' })
        .option('parties', { type: 'string', describe: 'release when N waiters have arrived' })
        .example('$0 barrier-wait build-done --timeout 10m', 'wait for barrier-signal build-done')
        .example('$0 barrier-wait sync --parties 3', 'the third waiter releases all three'),
    ),
  handler: async (argv) => {
    checkBarrierName(argv.name);
    let timeoutMs: number | undefined;
    if (argv.timeout !== undefined) {
      try {
        timeoutMs = parseDuration(argv.timeout);
      } catch (err) {
        throw fail('usage', `--timeout: ${(err as Error).message}`);
      }
    }
    let parties: number | undefined;
    if (argv.parties !== undefined) {
      if (!/^\d+$/.test(argv.parties) || Number(argv.parties) < 1) throw fail('usage', `--parties must be a whole number >= 1, got ${JSON.stringify(argv.parties)}`);
      parties = Number(argv.parties);
    }
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal).once('SIGHUP', onSignal);
    try {
      await barrierWait({ root: rootOf(argv), socket: config().socket }, argv.name, { timeoutMs, parties, abort: abort.signal });
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGHUP', onSignal);
    }
  },
};

export const barrierSignalCommand: CommandModule<object, Args> = {
  command: 'barrier-signal <name>',
  describe: 'signal barrier NAME: release every waiter, or keep the signal for the next one',
  builder: (y) =>
    withRoot(y.positional('name', { type: 'string', demandOption: true }).example('$0 barrier-signal build-done', 'release its waiters, or keep the signal for the next')),
  handler: async (argv) => {
    checkBarrierName(argv.name);
    const r = await barrierSignal({ root: rootOf(argv), socket: config().socket }, argv.name);
    process.stdout.write(r.released ? `${argv.name}: released ${r.released} waiter(s)\n` : `${argv.name}: nobody waiting; signal kept (${r.pending} pending)\n`);
  },
};
