/** `config [--json] [--set KEY=VALUE]...`: every setting, its value and where it came from. */
import type { Argv, CommandModule } from 'yargs';
import { printJson } from '../../output.js';
import { globalFlags, resolveSettings, userEnv } from '../../../config/resolve.js';
import { SETTING, showValue } from '../../../config/settings.js';

interface Args {
  json?: boolean;
  set?: string[];
}

export const configCommand: CommandModule<object, Args> = {
  command: 'config',
  describe: 'print every setting, its value and where it came from (default, FILE:LINE, env, flag)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .option('set', { type: 'string', array: true, describe: 'KEY=VALUE: a flag value, over the file and the environment (also before any command: tmux-orc --set workers=8 init)' })
      .example('$0 config', 'socket  claude  default …')
      .example('$0 config --set task_log_max=1MiB --json', 'what a flag would change') as unknown as Argv<Args>,
  handler: (argv) => {
    const { file, settings } = resolveSettings({ env: userEnv(), flags: [...globalFlags(), ...(argv.set ?? []).map(String)] });
    if (argv.json) return printJson({ file: file?.file ?? null, settings: settings.map(({ describe: _d, ...r }) => r) });
    process.stdout.write(`# config file: ${file ? file.file : 'none (tmux-orc.yaml walking up, $XDG_CONFIG_HOME/tmux-orc/config.yaml, or $TMUX_ORC_CONFIG)'}\n`);
    const rows = settings.map((r) => [r.key, showValue(SETTING.get(r.key)!, r.value) || "''", r.source, r.env]);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) process.stdout.write(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}\n`);
  },
};
