/** `top`: a live view of the tree for the master pane (src/top/). */
import type { Argv, CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';
import { runTop } from '../../../top/run.js';

interface Args {
  root?: string;
  once?: boolean;
}

export const topCommand: CommandModule<{ root?: string }, Args> = {
  command: 'top',
  describe: 'live view: counts per state, workers and their tasks, agents, the latest failures (q quits)',
  builder: (y) =>
    y
      .option('once', { type: 'boolean', describe: 'print one frame and exit (also what a pipe gets)' })
      .epilog('Reads the tree directly (no server). Redraws when tasks move, at most 4 times a second; agents are looked at every 2 s. NO_COLOR=1 (or a dumb terminal) gives plain ASCII.')
      .example('$0 top', 'watch the queue until q')
      .example('NO_COLOR=1 $0 top --once', 'one plain-text frame') as unknown as Argv<Args>,
  handler: async (argv) => {
    const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;
    const color = tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    await runTop(treeFrom(argv), { maxFps: 4, rescanMs: 2000, agentsMs: 2000, color, once: argv.once === true || !tty });
  },
};
