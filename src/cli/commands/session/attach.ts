/** `attach`: attach this terminal to the session (or switch to it from inside our own server). */
import type { CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { requireSession } from '../../../session/context.js';
import { switchClient } from '../../../tmux/argv.js';
import { tmuxInteractive } from '../../../tmux/client.js';
import { context } from './common.js';
import { insideServer } from '../../../root.js';

export { insideServer };

export const attachCommand: CommandModule = {
  command: 'attach',
  describe: 'attach to the session (detach again with the tmux prefix, then d)',
  builder: (y) => y.example('$0 attach', 'from a terminal; inside the server it switches to the session'),
  handler: async () => {
    const ctx = context();
    const sid = await requireSession(ctx);
    if (insideServer(process.env.TMUX, ctx.cfg.socket)) {
      // attaching from a pane of the same server would nest the session inside itself
      await ctx.tmux.run(switchClient(sid));
      return;
    }
    if (!process.stdin.isTTY) throw fail('usage', 'attach needs a terminal (stdin is not a tty)');
    const code = tmuxInteractive(ctx.cfg.socket, ['attach-session', '-t', sid]);
    if (code !== 0) throw fail('tmux', `tmux attach-session exited with status ${code}`);
  },
};
