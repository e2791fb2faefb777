import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import type { TaskRow } from '../../../queue/list-rows.js';
import { printJson, printTable } from '../../output.js';
import { formatAge } from '../../../time.js';
import { pausedLine } from '../../../queue/pause.js';

/** The states `tasks-list` takes; `all` lists every state directory in order. */
export const LIST_STATES = ['queue', 'held', 'running', 'done', 'failed', 'all'] as const;

/** Parsed `tasks-list` arguments, from yargs or from the fast path (src/cli/fast.ts). */
export interface ListCommandArgs {
  root?: string;
  state: (typeof LIST_STATES)[number];
  json?: boolean;
}

export const tasksList: CommandModule<{ root?: string }, ListCommandArgs> = {
  command: 'tasks-list [state]',
  describe: "list tasks: ID, state, status, age, try, the current run's exit code or reason, worker, [label] command",
  builder: (y) =>
    y
      .epilog(
        'Columns: AGE is the time since the task was queued (queue), started (running) or finished (done, failed); ' +
          'a delayed task shows when it is due instead ("in 5m"). TRY is the attempt; a recurring task shows its runs ("12 runs"). ' +
          "RESULT is the current run's exit code or reason only (a retried task shows nothing of the attempt before). " +
          'A label leads the command: "[gpu] make". --json has every field (due, label, runs, enqueued, started, finished).',
      )
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
  const store = storeFrom(a);
  const rows = await store.list(a.state);
  if (a.json) printJson(rows.map(({ file: _file, ...r }) => r));
  else {
    // Queued rows say `paused`; the line says since when (on stderr: the table stays the table).
    const paused = pausedLine(await store.paused());
    if (paused) process.stderr.write(`tmux-orc: ${paused} (tasks-resume lets workers claim again)\n`);
    printTable(['ID', 'STATE', 'STATUS', 'AGE', 'TRY', 'RESULT', 'WORKER', 'COMMAND'], rows.map((r) => row(r)));
  }
  return 0;
}

/**
 * One line of the table, kept narrow: a delayed task's AGE is when it is due (`in 5m`), a
 * recurring task's TRY its runs (`12 runs`), a label leads the command (`[gpu] make`).
 */
export function row(r: TaskRow, now = Date.now()): string[] {
  // An agent's turn has no exit code: its note (tmux-orc done) is its result.
  const result = r.exit !== undefined ? `exit ${r.exit}` : r.note !== undefined && r.state === 'done' ? clip(r.note, 40) : r.reason ? r.reason.split(/[:;]/)[0] : (r.signal ?? '');
  const age = r.status === 'delayed' && r.due ? `in ${formatAge(Date.parse(r.due) - now)}` : formatAge(r.ageMs);
  const tries = r.runs === undefined ? String(r.attempt) : `${r.runs} run${r.runs === 1 ? '' : 's'}${r.attempt > 1 ? `, try ${r.attempt}` : ''}`;
  const cmd = `${r.label === undefined ? '' : `[${r.label}] `}${r.cmd.replace(/\n/g, '⏎')}`;
  return [r.id, r.state, r.status, age, tries, result, r.worker ?? '', cmd];
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
