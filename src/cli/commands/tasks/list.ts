import type { Argv, CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';
import { listTasks, type TaskRow } from '../../../queue/list.js';
import { printJson, printTable } from '../../output.js';
import { formatAge } from '../../../time.js';

interface Args {
  root?: string;
  state: 'queue' | 'running' | 'done' | 'failed' | 'all';
  json?: boolean;
}

export const tasksList: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-list [state]',
  describe: 'list tasks: ID, state, age, attempt, exit code or reason, worker, command',
  builder: (y) =>
    y
      .positional('state', { choices: ['queue', 'running', 'done', 'failed', 'all'] as const, default: 'all' as const })
      .option('json', { type: 'boolean', describe: 'machine-readable output (one array of objects)' }) as unknown as Argv<Args>,
  handler: (argv) => {
    const rows = listTasks(treeFrom(argv), argv.state);
    if (argv.json) return printJson(rows.map(({ file: _file, ...r }) => r));
    printTable(['ID', 'STATE', 'STATUS', 'AGE', 'TRY', 'RESULT', 'WORKER', 'COMMAND'], rows.map(row));
  },
};

function row(r: TaskRow): string[] {
  const result = r.exit !== undefined ? `exit ${r.exit}` : r.reason ? r.reason.split(/[:;]/)[0] : (r.signal ?? '');
  return [r.id, r.state, r.status, formatAge(r.ageMs), String(r.attempt), result, r.worker ?? '', r.cmd.replace(/\n/g, '⏎')];
}
