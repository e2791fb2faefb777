/** `tasks-start` / `tasks-stop`: worker loops in the worker panes. */
import type { CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { printJson } from '../../output.js';
import { progress } from '../../progress.js';
import { tasksStart, tasksStop, type WorkerOutcome } from '../../../session/tasks.js';
import { parseDuration } from '../../../time.js';
import { context, optionalRoot, rootOf, withRoot } from './common.js';

const show = (out: WorkerOutcome[], json?: boolean) => {
  if (json) return printJson(out);
  for (const o of out) process.stdout.write(`worker-${o.worker}  ${o.result}${o.pid ? ` (pid ${o.pid})` : ''}${o.detail ? `  ${o.detail}` : ''}\n`);
};

type StartArgs = { subset?: string; root?: string; json?: boolean };

export const tasksStartCommand: CommandModule<object, StartArgs> = {
  command: 'tasks-start',
  describe: 'start worker loops in the worker panes (restarts crashed ones; leaves running ones)',
  builder: (y) =>
    withRoot(
      y
        .option('subset', { type: 'string', describe: 'worker numbers, e.g. 0,2-3' })
        .option('json', { type: 'boolean', describe: 'machine-readable output' })
        .example('$0 tasks-start', 'a worker loop in every worker pane')
        .example('$0 tasks-start --subset 0,2-3', 'only in workers 0, 2 and 3'),
    ),
  handler: async (argv) => {
    const out = await tasksStart(context(), { root: rootOf(argv), cwd: process.cwd(), subset: argv.subset });
    show(out, argv.json);
    const refused = out.filter((o) => o.result === 'refused');
    if (refused.length) throw fail('conflict', `${refused.length} pane(s) busy with another program; worker not started there`);
  },
};

type StopArgs = StartArgs & { now?: boolean; wait?: boolean; timeout?: string };

export const tasksStopCommand: CommandModule<object, StopArgs> = {
  command: 'tasks-stop',
  describe: 'drain the workers (finish the current task, then exit); --now cancels and requeues it',
  builder: (y) =>
    withRoot(
      y
        .option('subset', { type: 'string', describe: 'worker numbers, e.g. 0,2-3' })
        .option('now', { type: 'boolean', describe: 'cancel running tasks (requeued) instead of finishing them' })
        .option('wait', { type: 'boolean', describe: 'return only when the workers have exited' })
        .option('timeout', { type: 'string', describe: 'with --wait: give up after DUR (exit 7)' })
        .option('json', { type: 'boolean', describe: 'machine-readable output: one object per worker (worker, pane, result, pid)' })
        .example('$0 tasks-stop --wait', 'let running tasks finish, then return when every worker has exited')
        .example('$0 tasks-stop --now --subset 1', 'cancel worker-1\'s task (requeued) and stop it'),
    ),
  handler: async (argv) => {
    let waitMs: number | undefined;
    if (argv.wait) {
      try {
        waitMs = argv.timeout ? parseDuration(argv.timeout) : 24 * 3600_000;
      } catch (err) {
        throw fail('usage', `--timeout: ${(err as Error).message}`);
      }
    }
    // On a terminal, one status line while the workers finish their tasks.
    const status = progress({ enabled: !argv.json });
    const onWait = (left: number, total: number) => status.update(`waiting for ${left} worker(s) to exit`, total - left, total);
    const out = await tasksStop(context(), { root: optionalRoot(argv), subset: argv.subset, now: argv.now, waitMs, onWait }).finally(() => status.clear());
    show(out, argv.json);
  },
};
