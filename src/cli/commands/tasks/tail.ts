import type { Argv, CommandModule } from 'yargs';
import { storeFrom } from '../../context.js';
import { outcomeLine } from '../../../queue/wait.js';
import { idProblem } from '../../../queue/task.js';
import { fail } from '../../../errors.js';
import { progress } from '../../progress.js';
import { noWorkerNotice } from '../../no-worker.js';

interface Args {
  root?: string;
  id: string;
  err?: boolean;
  lines: number;
  follow?: boolean;
}

export const tasksTail: CommandModule<{ root?: string }, Args> = {
  command: 'tasks-tail <id>',
  describe: "show the end of a task's output; -f follows stdout and stderr until the task ends and exits with its exit code",
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('err', { type: 'boolean', describe: 'stderr instead of stdout (without -f)' })
      .option('lines', { alias: 'n', type: 'number', default: 100, describe: 'how many lines' })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'keep printing both streams until the task ends; exit with its exit code' })
      .example('$0 tasks-tail build -n 20', 'the last 20 lines of its stdout')
      .example('$0 tasks-tail build --err', 'its stderr')
      .example('$0 tasks-tail -f build', 'follow stdout and stderr until it ends, then print its outcome') as unknown as Argv<Args>,
  handler: async (argv) => {
    const bad = idProblem(String(argv.id));
    if (bad) throw fail('usage', bad);
    if (!Number.isInteger(argv.lines) || argv.lines < 0) throw fail('usage', '-n must be a whole number');
    const id = String(argv.id);
    const store = storeFrom(argv);
    // While a followed task waits in the queue: a status line on a terminal, and one notice when
    // no worker is alive to run it. Its output erases the line first.
    const status = progress();
    const noWorker = noWorkerNotice(store, (s) => status.say(s));
    let lastCheck = 0;
    const outcome = await store.tail(id, {
      stream: argv.err ? 'err' : 'out',
      lines: argv.lines,
      follow: !!argv.follow,
      write: (s) => (status.clear(), process.stdout.write(s)),
      writeErr: (s) => (status.clear(), process.stderr.write(s)),
      note: (s) => status.say(`tmux-orc: ${s}`),
      capped: (s) => process.stderr.write(`tmux-orc: ${s}\n`),
      onLook: (waiting) => {
        if (waiting === undefined) return status.clear();
        status.update(`${id}: ${waiting}`);
        if (Date.now() - lastCheck >= 1000) {
          lastCheck = Date.now();
          void noWorker();
        }
      },
    });
    status.clear();
    if (outcome) {
      process.stderr.write(`${outcomeLine(outcome)}\n`);
      process.exitCode = outcome.code;
    }
  },
};
