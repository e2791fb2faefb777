/** `capture [DIR]`: save every pane's whole scrollback, one file per pane. */
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { printJson } from '../../output.js';
import { capture } from '../../../session/capture.js';
import { context } from './common.js';

export const captureCommand: CommandModule<object, { dir?: string; json?: boolean }> = {
  command: 'capture [dir]',
  describe: 'save the text of each pane to DIR/<session>.<window>.<worker-N|pane>.txt (default logs/tmux/<session>/snapshots)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string' })
      .option('json', { type: 'boolean', describe: 'print JSON' })
      .example('$0 capture', 'into logs/tmux/<session>/snapshots')
      .example('$0 capture /tmp/panes --json', 'somewhere else; the files as JSON'),
  handler: async (argv) => {
    const ctx = context();
    const out = await capture(ctx, argv.dir ?? path.join('logs', 'tmux', ctx.cfg.session, 'snapshots'));
    if (argv.json) return printJson(out);
    for (const c of out) process.stdout.write(`${c.file}\n`);
  },
};
