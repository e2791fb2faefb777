/**
 * The CLI root: lists the command groups and maps every error to one line on stderr and a
 * documented exit code, in exactly one place.
 */
import yargs, { type CommandModule } from 'yargs';
import { OrcError } from '../errors.js';
import { report } from './report.js';
import { VERSION } from '../version.js';
import { taskCommands } from './commands/tasks/index.js';
import { sessionCommands } from './commands/session/index.js';
import { agentCommands } from './commands/agents/index.js';
import { normalise } from './split.js';
import { COMMAND_LINES } from './command-lines.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const line = COMMAND_LINES[argv[0]];
  const args = line ? [argv[0], ...normalise(argv.slice(1), line.options, line.positionals)] : argv;
  const cli = yargs(args)
    .scriptName('tmux-orc')
    .usage('$0 <command> [options]\n\nA tmux server as a small, dependable work cluster. Docs: README.md')
    .parserConfiguration({ 'populate--': true, 'unknown-options-as-args': false })
    .command([...taskCommands, ...sessionCommands, ...agentCommands] as AnyCommand[])
    .option('root', {
      type: 'string',
      global: true,
      describe: 'task tree (default: $TASK_ROOT, then the tmux session\'s, then var/tmux/<session>/tasks found upward)',
    })
    .demandCommand(1, 'name a command (tmux-orc --help lists them)')
    .strict()
    .version(VERSION)
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? new OrcError('usage', msg);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    code = report(err, argv);
  }
  return code || Number(process.exitCode ?? 0);
}
