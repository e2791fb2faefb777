import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import type { TaskRow } from '../../../queue/list-rows.js';
import { printJson, printTable } from '../../output.js';
import { formatAge } from '../../../time.js';

/** The states `tasks-list` takes; `all` lists every state directory in order. */
export const LIST_STATES = ['queue', 'running', 'done', 'failed', 'all'] as const;

/** Parsed `tasks-list` arguments, from yargs or from the fast path (src/cli/fast.ts). */
export interface ListCommandArgs {
  root?: string;
  state: (typeof LIST_STATES)[number];
  json?: boolean;
}

export const tasksList: CommandModule<{ root?: string }, ListCommandArgs> = {
  command: 'tasks-list [state]',
  describe: 'list tasks: ID, state, age, attempt, exit code or reason, worker, command',
  builder: (y) =>
    y
      .positional('state', { choices: LIST_STATES, default: 'all' as const })
      .option('json', { type: 'boolean', describe: 'machine-readable output (one array of objects)' })
      .example('$0 tasks-list', 'every task, in dispatch order within each state')
      .example('$0 tasks-list failed --json', 'failed tasks as JSON') as unknown as Argv<ListCommandArgs>,
  handler: async (argv) => {
    process.exitCode = await runList(argv);
  },
};

/** List from parsed arguments and print the table or the JSON; resolves to the exit code. */
export async function runList(a: ListCommandArgs): Promise<number> {
  const rows = await storeFrom(a).list(a.state);
  if (a.json) printJson(rows.map(({ file: _file, ...r }) => r));
  else printTable(['ID', 'STATE', 'STATUS', 'AGE', 'TRY', 'RESULT', 'WORKER', 'COMMAND'], rows.map(row));
  return 0;
}

function row(r: TaskRow): string[] {
  const result = r.exit !== undefined ? `exit ${r.exit}` : r.reason ? r.reason.split(/[:;]/)[0] : (r.signal ?? '');
  return [r.id, r.state, r.status, formatAge(r.ageMs), String(r.attempt), result, r.worker ?? '', r.cmd.replace(/\n/g, '⏎')];
}
