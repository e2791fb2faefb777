/** `kill`: kill the session (its panes, workers and their shells). */
import type { CommandModule } from 'yargs';
import { requireSession } from '../../../session/context.js';
import { killSession } from '../../../tmux/argv.js';
import { context } from './common.js';

export const killCommand: CommandModule = {
  command: 'kill',
  describe: 'kill the session; tasks its workers were running are recovered by the queue',
  builder: (y) => y.example('$0 kill', 'the session named by $TMUX_SESSION on tmux -L $TMUX_SOCKET'),
  handler: async () => {
    const ctx = context();
    const sid = await requireSession(ctx);
    await ctx.tmux.run(killSession(sid));
    process.stdout.write(`killed session ${ctx.cfg.session} on tmux -L ${ctx.cfg.socket}\n`);
  },
};
