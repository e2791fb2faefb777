/** `logs-on` / `logs-off`: timestamped pipe-pane logs of the worker panes and the master pane. */
import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { printJson } from '../../output.js';
import { logsOff, logsOn, rotationFromEnv, type LogOutcome } from '../../../session/logs.js';
import { parseSize } from '../../../config/size.js';
import { fail } from '../../../errors.js';
import { context } from './common.js';
import { rememberPaneLogDir } from '../../../ops/log-files.js';
import { resolveRoot } from '../../../root.js';

/** The tree this command would use, or undefined when there is none. */
function treeOf(): string | undefined {
  try {
    const { root } = resolveRoot({});
    return fs.statSync(root, { throwIfNoEntry: false })?.isDirectory() ? root : undefined;
  } catch {
    return undefined;
  }
}

const show = (out: LogOutcome[], json?: boolean) => {
  if (json) return printJson(out);
  for (const o of out) process.stdout.write(`${o.pane}  ${o.result}${o.file ? `  ${o.file}` : ''}\n`);
};

export const logsOnCommand: CommandModule<object, { dir?: string; json?: boolean; maxSize?: string; keep?: number }> = {
  command: 'logs-on',
  describe: 'log worker and master panes into logs/tmux/<session>/pipes/*.log, lines prefixed with UTC time, rotated by size',
  builder: (y) =>
    y
      .option('dir', { type: 'string', describe: 'logs directory' })
      .option('max-size', { type: 'string', describe: 'rotate a log before it passes this size (default pane_log_max, 16MiB)' })
      .option('keep', { type: 'number', describe: 'rotated files kept, FILE.1 … FILE.N (default pane_log_keep, 5)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 logs-on', 'into logs/tmux/<session>/pipes')
      .example('$0 logs-on --dir /tmp/pane-logs --max-size 1MiB --keep 3', 'somewhere else, smaller'),
  handler: async (argv) => {
    const r = rotationFromEnv();
    if (argv.maxSize !== undefined) {
      try {
        r.maxBytes = parseSize(String(argv.maxSize));
      } catch (err) {
        throw fail('usage', `--max-size: ${(err as Error).message}`);
      }
      if (r.maxBytes < 4096) throw fail('usage', '--max-size: must be at least 4KiB');
    }
    if (argv.keep !== undefined) {
      if (!Number.isInteger(argv.keep) || argv.keep < 1 || argv.keep > 1000) throw fail('usage', '--keep: must be a whole number from 1 to 1000');
      r.keep = argv.keep;
    }
    const ctx = context();
    const dir = argv.dir ?? path.join('logs', 'tmux', ctx.cfg.session, 'pipes');
    const out = await logsOn(ctx, dir, r);
    // Recorded in the tree, if there is one, for logs search and tasks-clean.
    const root = treeOf();
    if (root) rememberPaneLogDir(root, dir);
    show(out, argv.json);
  },
};

export const logsOffCommand: CommandModule<object, { json?: boolean }> = {
  command: 'logs-off',
  describe: 'stop the pane logs',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }).example('$0 logs-off', 'stop every pane log'),
  handler: async (argv) => show(await logsOff(context()), argv.json),
};
