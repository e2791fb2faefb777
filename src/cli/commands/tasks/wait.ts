/** `tasks-wait ID... [--timeout DUR] [--any]`: block until tasks end; exit with their code. */
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { outcomeLine } from '../../../queue/wait.js';
import { fail } from '../../../errors.js';
import { parseDuration } from '../../../time.js';
import { checkIds } from './ids.js';

interface Args {
  root?: string;
  ids: string[];
  timeout?: string;
  any?: boolean;
}

export const tasksWait: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-wait <ids..>',
  describe: "wait until the tasks end, printing one outcome line each; exit with the first non-zero code (0 when all are done), 7 on --timeout",
  builder: (y) =>
    y
      .positional('ids', { type: 'string', array: true, demandOption: true })
      .option('timeout', { type: 'string', describe: 'give up after this long (exit 7)' })
      .option('any', { type: 'boolean', describe: 'return when the first of them ends, with its code' })
      .example('$0 tasks-wait build test', 'exit 0 when both are done, else the first failure\'s code')
      .example('$0 tasks-wait --any --timeout 10m a b', 'whichever ends first, at most 10 minutes') as unknown as Argv<Args>,
  handler: async (argv) => {
    const ids = checkIds(argv.ids);
    let timeoutMs: number | undefined;
    if (argv.timeout !== undefined) {
      try {
        timeoutMs = parseDuration(argv.timeout);
      } catch (err) {
        throw fail('usage', `--timeout: ${(err as Error).message}`);
      }
    }
    const store = storeFrom(argv);
    for (const id of ids) if (!(await store.get(id))) throw fail('not-found', `no task ${id} in ${store.where}`);
    const outcomes = await store.waitForAll(ids, { any: argv.any, timeoutMs, onEnd: (o) => process.stdout.write(`${outcomeLine(o)}\n`) });
    process.exitCode = outcomes.find((o) => o.code !== 0)?.code ?? 0;
  },
};
