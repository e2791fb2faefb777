import type { Argv, CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';
import { runWorker } from '../../../worker/loop.js';
import { fail } from '../../../errors.js';

interface Args {
  root?: string;
  id?: string;
  label?: string;
  poll?: boolean;
  untilEmpty?: boolean;
}

export const worker: CommandModule<{ root?: string }, Args> = {
  command: 'worker',
  describe: 'run the worker loop here: claim queued tasks one at a time and run them (C-c drains, twice cancels)',
  builder: (y) =>
    y
      .option('id', { type: 'string', describe: 'worker number or name (default: the lowest free number)' })
      .option('label', { type: 'string', describe: 'claim only tasks with this label' })
      .option('poll', { type: 'boolean', describe: 'no file watcher: rescan every 0.5 s (network filesystems)' })
      .option('until-empty', { type: 'boolean', describe: 'exit once nothing is queued for this worker' }) as unknown as Argv<Args>,
  handler: async (argv) => {
    if (argv.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(String(argv.id))) {
      throw fail('usage', `--id ${JSON.stringify(argv.id)}: use letters, digits, _ and -`);
    }
    await runWorker({ root: treeFrom(argv).root, id: argv.id === undefined ? undefined : String(argv.id), label: argv.label, poll: argv.poll, untilEmpty: argv.untilEmpty });
  },
};
