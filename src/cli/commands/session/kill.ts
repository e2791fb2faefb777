/** `kill`: kill the session (its panes, workers and their shells). */
import type { CommandModule } from 'yargs';
import { findSession } from '../../../session/context.js';
import { fail } from '../../../errors.js';
import { killSession } from '../../../tmux/argv.js';
import { context } from './common.js';

export const killCommand: CommandModule = {
  command: 'kill',
  describe: 'kill the session; tasks its workers were running are recovered by the queue',
  builder: (y) => y.example('$0 kill', 'the session named by $TMUX_SESSION on tmux -L $TMUX_SOCKET'),
  handler: async () => {
    const ctx = context();
    // Nothing to kill is said plainly (exit 3); suggesting `init` to someone tearing down would be odd.
    const sid = await findSession(ctx.tmux, ctx.cfg.session);
    if (!sid) throw fail('not-found', `no tmux session "${ctx.cfg.session}" on server "${ctx.cfg.socket}": nothing to kill`);
    await ctx.tmux.run(killSession(sid));
    process.stdout.write(`killed session ${ctx.cfg.session} on tmux -L ${ctx.cfg.socket}\n`);
  },
};
