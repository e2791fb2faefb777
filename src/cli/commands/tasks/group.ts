/** `group set|list|rm` (issue 18): limits on how many tasks of a group run at once. */
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { printJson, printTable, writeOut } from '../../output.js';

interface SetArgs {
  root?: string;
  backend?: string;
  name: string;
  parallel: number;
}

const groupSet: CommandModule<{ root?: string }, SetArgs> = {
  command: 'set <name>',
  describe: 'create a group or change its limit; live: a raise is used at once, a lower stops no running task',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'the group' })
      .option('parallel', { alias: 'n', type: 'number', demandOption: true, describe: 'at most this many of its tasks at once, across all workers' })
      .example('$0 group set gpu --parallel 2', 'then: tmux-orc tasks-enqueue --group gpu ./train.sh') as unknown as Argv<SetArgs>,
  handler: async (argv) => {
    const { before } = await storeFrom(argv).setGroup(String(argv.name), Number(argv.parallel));
    writeOut(`group ${argv.name}: parallel ${argv.parallel}${before === undefined ? ' (new)' : before === argv.parallel ? '' : ` (was ${before})`}\n`);
  },
};

const groupList: CommandModule<{ root?: string }, { root?: string; backend?: string; json?: boolean }> = {
  command: 'list',
  describe: 'each group: its limit, how many of its tasks run and wait',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }).example('$0 group list --json', '') as unknown as Argv<{ root?: string; backend?: string; json?: boolean }>,
  handler: async (argv) => {
    const groups = await storeFrom(argv).groups();
    if (argv.json) return printJson(groups);
    printTable(['GROUP', 'PARALLEL', 'RUNNING', 'QUEUED'], groups.map((g) => [g.group, g.parallel === undefined ? '1 (not set)' : String(g.parallel), String(g.running), String(g.queued)]));
  },
};

const groupRm: CommandModule<{ root?: string }, { root?: string; backend?: string; name: string }> = {
  command: 'rm <name>',
  describe: 'remove a group (refused, exit 4, while it has queued or running tasks)',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }).example('$0 group rm gpu', '') as unknown as Argv<{ root?: string; backend?: string; name: string }>,
  handler: async (argv) => {
    await storeFrom(argv).removeGroup(String(argv.name));
    writeOut(`group ${argv.name} removed\n`);
  },
};

export const group: CommandModule<{ root?: string }, object> = {
  command: 'group <command>',
  describe: 'task groups: at most N of a group run at once across all workers (set, list, rm)',
  builder: (y) =>
    (y as Argv<{ root?: string }>)
      .command([groupSet, groupList, groupRm] as CommandModule<{ root?: string }, never>[])
      .demandCommand(1, 'name a group command: set, list, rm')
      .example('$0 group set gpu --parallel 2', 'at most 2 tasks of group gpu at once')
      .example('$0 group list', 'limits, running and queued counts'),
  handler: () => undefined,
};
