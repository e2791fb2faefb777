import type { Argv, CommandModule } from 'yargs';
import { config } from '../../../config.js';
import { runDispatcher } from '../../../agents/dispatch.js';
import { sessionBackend } from '../../../agents/dispatcher.js';
import { durationOpt, rootOf, timingFrom, timingOptions, type TimingArgs } from './common.js';

interface Args extends TimingArgs {
  root?: string;
  backend?: string;
  session?: string;
  tick?: string;
}

export const agentDispatch: CommandModule<{ root?: string }, Args> = {
  command: 'dispatch',
  describe: "deliver the session's agent work queues (runs in the `dispatcher` window, made by assign; C-c stops it)",
  builder: (y) =>
    timingOptions(
      y
        .option('session', { type: 'string', describe: 'the session whose agents it serves (default $TMUX_SESSION)' })
        .option('tick', { type: 'string', describe: 'how often agents are looked at (default 250ms)' }),
    ).example('$0 agent dispatch --session team', '') as unknown as Argv<Args>,
  handler: async (argv) => {
    const cfg = config();
    const ac = new AbortController();
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => ac.abort());
    const session = argv.session ?? cfg.session;
    const root = rootOf(argv);
    // The backend the session's last `assign` on one recorded (assign restarts this when it changes).
    const backend = argv.backend || sessionBackend(root, session) || process.env.TASK_BACKEND || undefined;
    const where = backend ? ` and ${backend.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}` : '';
    process.stdout.write(`dispatcher for session ${session} (socket ${cfg.socket}), pid ${process.pid}: turns on the tree${where}\n`);
    await runDispatcher({ root, session, socket: cfg.socket, backend, tickMs: durationOpt('tick', argv.tick, 250), timing: timingFrom(argv), signal: ac.signal });
  },
};
