/** `attach`: attach this terminal to the session. */
import type { CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { requireSession } from '../../../session/context.js';
import { tmuxInteractive } from '../../../tmux/client.js';
import { context } from './common.js';

export const attachCommand: CommandModule = {
  command: 'attach',
  describe: 'attach to the session (detach again with the tmux prefix, then d)',
  handler: async () => {
    const ctx = context();
    const sid = await requireSession(ctx);
    if (!process.stdin.isTTY) throw fail('usage', 'attach needs a terminal (stdin is not a tty)');
    const code = tmuxInteractive(ctx.cfg.socket, ['attach-session', '-t', sid]);
    if (code !== 0) throw fail('tmux', `tmux attach-session exited with status ${code}`);
  },
};
