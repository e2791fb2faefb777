import type { Argv, CommandModule } from 'yargs';
import { backendFrom, storeFrom, treeFrom } from '../../context.js';
import { printJson } from '../../output.js';
import { fail } from '../../../errors.js';
import { prunePaneLogs } from '../../../ops/log-files.js';

interface Args {
  root?: string;
  backend?: string;
  hours?: number;
  keep?: number;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export const tasksClean: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-clean',
  describe: 'prune finished tasks (done/ and failed/) and their logs; says how many; safe while workers run',
  builder: (y) =>
    y
      .option('hours', { type: 'number', describe: 'remove tasks finished more than N hours ago (default 24)' })
      .option('keep', { type: 'number', describe: 'keep only the newest N in each of done/ and failed/' })
      .option('dry-run', { type: 'boolean', describe: 'print what would be removed; remove nothing' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'print each removed ID' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .conflicts('hours', 'keep')
      .example('$0 tasks-clean --hours 48', 'removed 3 finished tasks (2 done, 1 failed) and their logs')
      .example('$0 tasks-clean --keep 1000 --dry-run', 'see what would go') as unknown as Argv<Args>,
  handler: async (argv) => {
    for (const [k, v] of [['hours', argv.hours], ['keep', argv.keep]] as const) {
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw fail('usage', `--${k} must be a number >= 0`);
    }
    // On a backend, its finished tasks; pane and agent logs are a tree's (a pane's session has one).
    const onTree = backendFrom(argv) === undefined;
    const store = storeFrom(argv);
    const removed = await store.clean({ hours: argv.hours, keep: argv.keep, dryRun: argv.dryRun });
    // Pane and agent logs by the same age (not with --keep, which has none).
    const logs = onTree && argv.keep === undefined ? prunePaneLogs(treeFrom(argv).root, argv.hours ?? 24, { dryRun: argv.dryRun }) : [];
    if (argv.json) return printJson(removed);
    const verb = argv.dryRun ? 'would remove' : 'removed';
    if (argv.dryRun || argv.verbose) {
      for (const r of removed) process.stdout.write(`${verb} ${r.dir}/${r.id}\n`);
    }
    // One summary line, always (a cron line sends it to /dev/null: examples/crontab).
    const done = removed.filter((r) => r.dir === 'done').length;
    const panes = logs.length ? `; ${logs.length} pane and agent log file${logs.length === 1 ? '' : 's'} older than ${argv.hours ?? 24} h` : '';
    process.stdout.write(`${verb} ${removed.length} finished task${removed.length === 1 ? '' : 's'} (${done} done, ${removed.length - done} failed) and their logs${panes}\n`);
  },
};
