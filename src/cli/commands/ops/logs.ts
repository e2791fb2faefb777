/** `logs search PATTERN`: one search over task, pane and agent logs, newest first. */
import type { Argv, CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';
import { writeOut } from '../../output.js';
import { fail } from '../../../errors.js';
import { parseDuration } from '../../../time.js';
import { prefix, search, type Match } from '../../../ops/search.js';
import type { LogKind } from '../../../ops/log-files.js';

interface Args {
  root?: string;
  pattern: string;
  task?: string;
  label?: string;
  since?: string;
  agent?: string;
  panes?: boolean;
  tasks?: boolean;
  agents?: boolean;
  fixedStrings?: boolean;
  ignoreCase?: boolean;
  maxCount?: number;
  dir?: string[];
  json?: boolean;
}

const searchCommand: CommandModule<object, Args> = {
  command: 'search <pattern>',
  describe: 'search task logs, pane logs and agent logs, newest file first; prints TASK-ID:LINE:, PANE-LOG:LINE: or agent/NAME:LINE: then the line; exit 1 when nothing matched',
  builder: (y) =>
    y
      .positional('pattern', { type: 'string', describe: 'a JavaScript regular expression (or a fixed string with -F)' })
      .option('task', { type: 'string', describe: "only this task's logs" })
      .option('label', { type: 'string', describe: 'only the logs of tasks with this label' })
      .option('since', { type: 'string', describe: 'only logs written in the last DUR (30m, 2h, 1d)' })
      .option('agent', { type: 'string', describe: "only this agent's window log" })
      .option('tasks', { type: 'boolean', describe: 'task logs (the default is all three kinds)' })
      .option('panes', { type: 'boolean', describe: 'pane logs (logs-on)' })
      .option('agents', { type: 'boolean', describe: "agents' window logs" })
      .option('fixed-strings', { alias: 'F', type: 'boolean', describe: 'PATTERN is a fixed string' })
      .option('ignore-case', { alias: 'i', type: 'boolean', describe: 'ignore case' })
      .option('max-count', { alias: 'm', type: 'number', describe: 'stop after N matching lines' })
      .option('dir', { type: 'string', array: true, describe: 'another pane log directory (logs-on --dir records its own)' })
      .option('json', { type: 'boolean', describe: 'one JSON array of {kind, name, file, line, text}' })
      .example('$0 logs search "error TS[0-9]+" --since 2h', 'compiler errors in the last two hours, anywhere')
      .example('$0 logs search -F "Segmentation fault" --tasks --label nightly', "in the nightly tasks' logs")
      .example('$0 logs search "rate limit" --agent pm1', "in what agent pm1's window printed") as unknown as Argv<Args>,
  handler: (argv) => {
    const kinds = (['tasks', 'panes', 'agents'] as const).filter((k) => argv[k]).map((k) => k.slice(0, -1) as LogKind);
    let since: number | undefined;
    if (argv.since !== undefined) {
      try {
        since = Date.now() - parseDuration(String(argv.since));
      } catch (err) {
        throw fail('usage', `--since: ${(err as Error).message}`);
      }
    }
    if (argv.maxCount !== undefined && !(Number.isInteger(argv.maxCount) && argv.maxCount > 0)) throw fail('usage', '--max-count must be a whole number above 0');
    const pattern = String(argv.pattern);
    if (pattern === '') throw fail('usage', 'give a PATTERN to search for');
    if (!argv.fixedStrings) {
      try {
        new RegExp(pattern);
      } catch (err) {
        throw fail('usage', `PATTERN is not a valid regular expression: ${(err as Error).message} (use -F for a fixed string)`);
      }
    }
    const root = treeFrom(argv).root;
    const found: Match[] = [];
    let out = '';
    const n = search(root, {
      pattern, fixed: argv.fixedStrings, ignoreCase: argv.ignoreCase, kinds, task: argv.task, label: argv.label, agent: argv.agent, since, paneDirs: argv.dir?.map(String), max: argv.maxCount,
    }, (m) => {
      if (argv.json) return void found.push(m);
      out += `${prefix(m)}${m.text}\n`;
      if (out.length > 65536) (writeOut(out), (out = ''));
    });
    if (argv.json) writeOut(`${JSON.stringify(found, null, 2)}\n`);
    else writeOut(out);
    if (n === 0) process.exitCode = 1;
  },
};

export const logsCommand: CommandModule<object, object> = {
  command: 'logs <command>',
  describe: 'search every log: logs search PATTERN (see logs search --help)',
  builder: (y) =>
    y
      .command(searchCommand as unknown as CommandModule<object, object>)
      .demandCommand(1, 'name a logs command: search')
      .example('$0 logs search -F "out of memory" --since 1d', 'in every log written today'),
  handler: () => {},
};
