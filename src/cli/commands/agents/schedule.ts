import type { Argv, CommandModule } from 'yargs';
import { scheduleCheckin } from '../../../agents/checkin.js';
import { cancelSchedule, listSchedules } from '../../../agents/schedule.js';
import { printJson, printTable } from '../../output.js';
import { formatAge } from '../../../time.js';
import { rootOf } from './common.js';

interface AddArgs {
  root?: string;
  when: string;
  note?: string[];
  target?: string;
  every?: string;
}

const add: CommandModule<{ root?: string }, AddArgs> = {
  command: '$0 <when> [note..]',
  describe: 'schedule a check-in message (persisted in the tree as a delayed task)',
  builder: (y) =>
    y
      .positional('when', { type: 'string', describe: 'a delay with its unit (30m, 2h, 1h30m) or a time (14:30, ISO 8601); a bare number is refused' })
      .positional('note', { type: 'string', array: true, describe: 'the message to send then' })
      .option('target', { type: 'string', describe: 'agent or session:window (default: the agent running this, $ORC_AGENT)' })
      .option('every', { type: 'string', describe: 'repeat with this period (30m, 1h); an overdue one fires once' })
      .example('$0 schedule 30m "Check PM progress on auth"', 'in 30 minutes, to the agent running it') as unknown as Argv<AddArgs>,
  handler: async (argv) => {
    const note = (argv.note ?? []).map(String).join(' ');
    const { id, warning } = await scheduleCheckin(rootOf(argv), { when: String(argv.when), note, target: argv.target, every: argv.every === undefined ? undefined : String(argv.every), caller: process.env.ORC_AGENT || undefined });
    if (warning) process.stderr.write(`tmux-orc: warning: ${warning}\n`);
    process.stdout.write(`${id}\n`);
  },
};

const list: CommandModule<{ root?: string }, { root?: string; json?: boolean }> = {
  command: 'list',
  describe: 'list armed check-ins and snapshots, soonest first',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }).example('$0 schedule list', 'soonest first') as unknown as Argv<{ root?: string; json?: boolean }>,
  handler: async (argv) => {
    const rows = await listSchedules(rootOf(argv));
    if (argv.json) return printJson(rows);
    printTable(
      ['ID', 'KIND', 'DUE', 'EVERY', 'RUNS', 'TARGET', 'NOTE'],
      rows.map((r) => [r.id, r.kind, r.state === 'running' || Date.parse(r.due) <= Date.now() ? 'now' : `in ${formatAge(Date.parse(r.due) - Date.now())}`, r.every ?? '-', String(r.runs), r.target, r.note.replace(/\n/g, '⏎')]),
    );
  },
};

const cancelCmd: CommandModule<{ root?: string }, { root?: string; id: string }> = {
  command: 'cancel <id>',
  describe: 'cancel a check-in or snapshot (a recurring one stops for good)',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).example('$0 schedule cancel checkin-abc', 'an ID from schedule list') as unknown as Argv<{ root?: string; id: string }>,
  handler: async (argv) => {
    await cancelSchedule(rootOf(argv), String(argv.id));
    process.stdout.write(`${argv.id} cancelled\n`);
  },
};

export const schedule: CommandModule<{ root?: string }, object> = {
  command: 'schedule',
  describe: 'check-ins: schedule WHEN NOTE [--target T] [--every DUR]; schedule list; schedule cancel ID',
  builder: (y) =>
    (y as Argv<{ root?: string }>)
      .command([list, cancelCmd, add] as CommandModule<{ root?: string }, never>[])
      .example('$0 schedule 30m "Check PM progress on auth"', 'in 30 minutes, to the agent running it')
      .example('$0 schedule 1h "Standup: report to the orchestrator" --target pm-web --every 1h', '')
      .example('$0 schedule list', '')
      .example('$0 schedule cancel checkin-abc', ''),
  handler: () => undefined,
};
