/** `logs-on` / `logs-off`: timestamped pipe-pane logs of the worker panes and the master pane. */
import path from 'node:path';
import readline from 'node:readline';
import type { CommandModule } from 'yargs';
import { printJson } from '../../output.js';
import { logsOff, logsOn, stampLine, type LogOutcome } from '../../../session/logs.js';
import { context } from './common.js';

const show = (out: LogOutcome[], json?: boolean) => {
  if (json) return printJson(out);
  for (const o of out) process.stdout.write(`${o.pane}  ${o.result}${o.file ? `  ${o.file}` : ''}\n`);
};

export const logsOnCommand: CommandModule<object, { dir?: string; json?: boolean }> = {
  command: 'logs-on',
  describe: 'log worker and master panes into logs/tmux/<session>/pipes/*.log, lines prefixed with UTC time',
  builder: (y) =>
    y
      .option('dir', { type: 'string', describe: 'logs directory' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 logs-on', 'into logs/tmux/<session>/pipes')
      .example('$0 logs-on --dir /tmp/pane-logs', 'somewhere else'),
  handler: async (argv) => {
    const ctx = context();
    show(await logsOn(ctx, argv.dir ?? path.join('logs', 'tmux', ctx.cfg.session, 'pipes')), argv.json);
  },
};

export const logsOffCommand: CommandModule<object, { json?: boolean }> = {
  command: 'logs-off',
  describe: 'stop the pane logs',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }).example('$0 logs-off', 'stop every pane log'),
  handler: async (argv) => show(await logsOff(context()), argv.json),
};

/** Internal: the stamper of pane logs where awk has no strftime. */
export const logStampCommand: CommandModule = {
  command: 'log-stamp',
  describe: false,
  handler: async () => {
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) process.stdout.write(stampLine(line));
  },
};
