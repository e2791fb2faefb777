import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import type { Health } from '../../../queue/list.js';
import { printJson } from '../../output.js';
import { formatAge } from '../../../time.js';
import { EXIT } from '../../../errors.js';
import { pausedLine } from '../../../queue/pause.js';

interface Args {
  root?: string;
  fix?: boolean;
  json?: boolean;
}

export const tasksHealth: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-health',
  describe: `counts per state, stale tasks, oldest queued age, live workers; exits ${EXIT.unhealthy} when unhealthy`,
  builder: (y) =>
    y
      .option('fix', { type: 'boolean', describe: 'recover stale tasks now (requeue, or fail when retries are spent)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 tasks-health', `counts and workers; exit ${EXIT.unhealthy} when something needs a look`)
      .example('$0 tasks-health --fix --json', 'recover stale tasks first; report as JSON') as unknown as Argv<Args>,
  handler: async (argv) => {
    const store = storeFrom(argv);
    const fixed = argv.fix ? await store.recover() : [];
    const h = await store.health();
    if (argv.json) printJson({ ...h, fixed });
    else print(h, fixed);
    if (!h.healthy) process.exitCode = EXIT.unhealthy;
  },
};

function print(h: Health, fixed: Array<{ id: string; to: string; why: string }>): void {
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w(`root     ${h.root}`);
  w(`tasks    queue ${h.counts.queue}  held ${h.counts.held}  running ${h.counts.running}  done ${h.counts.done}  failed ${h.counts.failed}`);
  w(`oldest   ${h.oldestQueuedMs === undefined ? '-' : `${formatAge(h.oldestQueuedMs)} queued`}`);
  w(`workers  ${h.liveWorkers} live${h.workers.length > h.liveWorkers ? `, ${h.workers.length - h.liveWorkers} dead` : ''}`);
  for (const x of h.workers) {
    w(`  worker-${x.id}@${x.host} pid ${x.pid} ${x.alive ? (x.task ? `busy ${x.task.id}` : 'idle') : 'dead'}`);
  }
  const paused = pausedLine(h.paused);
  if (paused) w(`paused   ${paused} (tasks-resume lets workers claim again)`);
  for (const f of fixed) w(`fixed    ${f.id}: ${f.why} → ${f.to}`);
  for (const s of h.stale) w(`stale    ${s.id}: ${s.why}`);
  w(h.healthy ? 'healthy' : `unhealthy: ${h.problems.join('; ')}`);
}
