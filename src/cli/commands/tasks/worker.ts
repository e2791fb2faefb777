import type { Argv, CommandModule } from 'yargs';
import { backendFrom, loadRedis, treeFrom } from '../../context.js';
import { startWorker } from '../../../worker/main.js';
import { leanHeap } from '../../../worker/heap.js';
import { fail } from '../../../errors.js';

/** Parsed `worker` arguments, from yargs or from the fast path (src/cli/fast.ts). */
export interface WorkerCommandArgs {
  root?: string;
  backend?: string;
  id?: string;
  label?: string;
  poll?: boolean;
  untilEmpty?: boolean;
  logFormat?: string;
}

/** The one table of `worker` options: yargs builds its parser and help from it, the fast path too. */
export const WORKER_OPTIONS = {
  id: { type: 'string', describe: 'worker number or name (default: the lowest free number)' },
  label: { type: 'string', describe: 'claim only tasks with this label' },
  poll: { type: 'boolean', describe: 'no file watcher: rescan every 0.5 s (network filesystems)' },
  'until-empty': { type: 'boolean', describe: 'exit once nothing is queued for this worker' },
  'log-format': { type: 'string', describe: 'its lines: text (default; log_format) or json, one object per event' },
} as const;

export const worker: CommandModule<{ root?: string }, WorkerCommandArgs> = {
  command: 'worker',
  describe: 'run the worker loop here: claim queued tasks one at a time and run them (C-c drains, twice cancels)',
  builder: (y) =>
    y
      .options(WORKER_OPTIONS)
      .example('$0 worker --until-empty', 'run what is queued here, then exit')
      .example('$0 worker --id 7 --label gpu', 'a long-lived worker taking only tasks labelled gpu') as unknown as Argv<WorkerCommandArgs>,
  handler: (argv) => runWorkerCommand(argv),
};

/** Run the worker loop from parsed arguments; resolves when it stops. */
export async function runWorkerCommand(a: WorkerCommandArgs): Promise<void> {
  if (a.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(String(a.id))) {
    throw fail('usage', `--id ${JSON.stringify(a.id)}: use letters, digits, _ and -`);
  }
  leanHeap();
  const url = backendFrom(a);
  if (url !== undefined) {
    if (a.poll) throw fail('usage', '--poll is for a tree on a network filesystem; the Redis backend has no files to watch');
    const { startRedisWorker } = await loadRedis();
    return startRedisWorker({ url, id: a.id === undefined ? undefined : String(a.id), label: a.label, untilEmpty: a.untilEmpty });
  }
  await startWorker({ root: treeFrom(a).root, id: a.id === undefined ? undefined : String(a.id), label: a.label, poll: a.poll, untilEmpty: a.untilEmpty, logFormat: a.logFormat });
}
