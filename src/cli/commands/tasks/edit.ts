/** `tasks-edit ID [options] [-- CMD...]`: change a queued or held task; exit 4 if a worker claimed it first. */
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { fail } from '../../../errors.js';
import { MAX_DURATION_MS, parseDuration, parseTime } from '../../../time.js';
import type { Edit } from '../../../queue/edit.js';
import { commandLine } from './enqueue-args.js';
import { checkCwd } from './enqueue.js';
import { checkIds } from './ids.js';

interface Args {
  root?: string;
  id: string;
  priority?: number;
  env?: string[];
  cwd?: string;
  label?: string;
  group?: string;
  at?: string;
  in?: string;
}

/** The one table of `tasks-edit` options (yargs, and the split of its command line). */
export const EDIT_OPTIONS = {
  priority: { alias: 'p', type: 'number', describe: 'new priority, -1000..1000' },
  env: { alias: 'e', type: 'string', array: true, describe: 'NAME=value: set (or replace) a variable (repeat)' },
  cwd: { alias: 'd', type: 'string', describe: 'new directory to run in' },
  label: { alias: 'l', type: 'string', describe: 'new label' },
  group: { alias: 'g', type: 'string', describe: 'new group' },
  at: { type: 'string', describe: 'start no earlier than this time' },
  in: { type: 'string', describe: 'start no earlier than this long from now' },
} as const;

export const tasksEdit: CommandModule<{ root?: string }, Args & { cmd?: string[]; '--'?: string[] }> = {
  command: 'tasks-edit <id> [cmd..]',
  describe: 'change a queued or held task (command after the options, priority, env, cwd, label, group, start time); never seen half-changed',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .options(EDIT_OPTIONS)
      .example('$0 tasks-edit build -- make -j8', 'a new command')
      .example('$0 tasks-edit build --priority 5 -e CC=clang', 'a new priority and variable') as unknown as Argv<Args & { cmd?: string[]; '--'?: string[] }>,
  handler: async (argv) => {
    const [id] = checkIds([argv.id]);
    const words = [...(argv.cmd ?? []), ...(argv['--'] ?? [])].map(String);
    const e: Edit = { priority: argv.priority, env: argv.env?.map(String), label: argv.label, group: argv.group };
    if (words.length) e.cmd = commandLine(words);
    if (argv.cwd !== undefined) checkCwd((e.cwd = path.resolve(argv.cwd)));
    if (argv.in !== undefined && argv.at !== undefined) throw fail('usage', 'give --in or --at, not both');
    try {
      if (argv.in !== undefined) e.at = Date.now() + parseDuration(argv.in);
      if (argv.at !== undefined) e.at = parseTime(argv.at);
    } catch (err) {
      throw fail('usage', `--${argv.in !== undefined ? 'in' : 'at'}: ${(err as Error).message}`);
    }
    if (e.at !== undefined && !(e.at <= Date.now() + MAX_DURATION_MS)) throw fail('usage', 'the start time is more than the maximum of 365d away');
    if (e.label !== undefined && /[\n\r]/.test(e.label)) throw fail('usage', '--label must be one line');
    if (Object.values(e).every((v) => v === undefined)) throw fail('usage', 'nothing to change: give a command or an option');
    const where = await storeFrom(argv).edit(id, e);
    process.stdout.write(`${id} edited (${where === 'queue' ? 'queued' : 'held'})\n`);
  },
};
