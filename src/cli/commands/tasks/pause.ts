/** `tasks-pause [--group G]`, `tasks-resume [--group G]`: stop and restart new claims; running tasks go on. */
import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';

interface Args {
  root?: string;
  group?: string;
}

const scope = (g?: string) => (g === undefined ? 'queue' : `group ${g}`);

export const tasksPause: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-pause',
  describe: 'stop workers from claiming tasks (of one group with --group); running tasks go on; persists until tasks-resume',
  builder: (y) =>
    y
      .option('group', { alias: 'g', type: 'string', describe: 'pause only the tasks of this group (GROUP=)' })
      .example('$0 tasks-pause', 'no new task starts until tasks-resume')
      .example('$0 tasks-pause --group gpu', 'only group gpu waits') as unknown as Argv<Args>,
  handler: async (argv) => {
    const fresh = await storeFrom(argv).pause(argv.group);
    process.stdout.write(`${scope(argv.group)} ${fresh ? 'paused' : 'was paused already'}\n`);
  },
};

export const tasksResume: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-resume',
  describe: 'let workers claim tasks again (of one group with --group)',
  builder: (y) =>
    y
      .option('group', { alias: 'g', type: 'string', describe: 'resume only this group' })
      .example('$0 tasks-resume', 'workers claim again')
      .example('$0 tasks-resume --group gpu', 'group gpu runs again') as unknown as Argv<Args>,
  handler: async (argv) => {
    const was = await storeFrom(argv).resume(argv.group);
    process.stdout.write(`${scope(argv.group)} ${was ? 'resumed' : 'was not paused'}\n`);
  },
};
