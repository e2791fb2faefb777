import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';
import { enqueue, enqueueMany } from '../../../queue/enqueue.js';
import { waitForEnd } from '../../../queue/wait.js';
import { fail } from '../../../errors.js';
import { commandLine, specFromArgs, type EnqueueArgs } from './enqueue-args.js';

interface Args extends EnqueueArgs {
  root?: string;
  wait?: boolean;
  stdin?: boolean;
  _: Array<string | number>;
  '--'?: Array<string | number>;
}

export const enqueueOptions = (y: Argv<{ root?: string }>) =>
  y
    .option('cwd', { alias: 'd', type: 'string', describe: 'directory to run in (default: the current one)' })
    .option('id', { alias: 'i', type: 'string', describe: 'task ID (default: generated, sortable by time)' })
    .option('env', { alias: 'e', type: 'string', array: true, describe: 'NAME=value for the task (repeat)' })
    .option('priority', { alias: 'p', type: 'number', describe: 'higher runs first, -1000..1000 (default 0)' })
    .option('after', { type: 'string', array: true, describe: 'wait until these task IDs are done (comma-separated)' })
    .option('in', { type: 'string', describe: 'start no earlier than this long from now (30s, 10m, 2h)' })
    .option('at', { type: 'string', describe: 'start no earlier than this time (14:30, 2026-12-01T09:00Z, @epoch)' })
    .option('timeout', { type: 'string', describe: 'kill the task after this long (SIGTERM, then SIGKILL)' })
    .option('retries', { type: 'number', describe: 'retry a failure this many times, with exponential backoff' })
    .option('backoff', { type: 'string', describe: 'first retry delay, doubling each attempt (default 1s)' })
    .option('label', { alias: 'l', type: 'string', describe: 'free-form label (workers can be limited to one)' })
    .option('every', { type: 'string', describe: 'recur: after each run, queue it again one period later' })
    .option('wait', { alias: 'w', type: 'boolean', describe: 'block until the task ends; exit with its exit code' })
    .option('stdin', { type: 'boolean', describe: 'bulk: one command per input line, one ID per output line' })
    .example('$0 tasks-enqueue -- make test', 'run `make test` in the current directory')
    .example("$0 tasks-enqueue -e FOO=bar -- bash -lc 'echo $FOO'", 'argv is kept exactly')
    .example('$0 tasks-enqueue --after t1,t2 --retries 3 -- ./deploy.sh', 'after t1 and t2, with retries')
    .example('seq 100 | sed "s/^/echo /" | $0 tasks-enqueue --stdin', 'enqueue 100 tasks in one go');

export const tasksEnqueue: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-enqueue [cmd..]',
  describe: 'queue a command (after --); prints its ID',
  builder: (y) => enqueueOptions(y) as unknown as Argv<Args>,
  handler: async (argv) => {
    const t = treeFrom(argv);
    const words = [...(argv['--'] ?? []), ...((argv as unknown as { cmd?: string[] }).cmd ?? [])].map(String);
    const now = Date.now();
    if (argv.stdin) {
      if (words.length) throw fail('usage', '--stdin reads the commands from standard input; give none after --');
      const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
      const ids = enqueueMany(t, lines.map((cmd) => specFromArgs(argv, cmd, process.cwd(), now)), now);
      process.stdout.write(ids.map((id) => `${id}\n`).join(''));
      return;
    }
    if (words.length === 0) throw fail('usage', 'empty command: give one after --, e.g. tmux-orc tasks-enqueue -- make test');
    const id = await enqueue(t, specFromArgs(argv, commandLine(words), process.cwd(), now), { now });
    process.stdout.write(`${id}\n`);
    if (argv.wait) process.exitCode = await waitForEnd(t, id);
  },
};
