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
import { opsCommands } from './commands/ops/index.js';
import { serveCommands } from './commands/serve/index.js';
import { normalise } from './split.js';
import { COMMAND_LINES } from './command-lines.js';
import { complete } from './completion.js';
import { closeStores } from './context.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

const ALL = [...taskCommands, ...sessionCommands, ...agentCommands, ...opsCommands, ...serveCommands] as AnyCommand[];
/** The top-level command names. */
const TOP = new Set(ALL.map((c) => String(c.command).split(' ')[0]));

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const line = COMMAND_LINES[argv[0]];
  const args = line ? [argv[0], ...normalise(argv.slice(1), line.options, line.positionals)] : argv;
  const cli = yargs(args)
    .scriptName('tmux-orc')
    .usage('$0 <command> [options]\n\nA tmux server as a small, dependable work cluster. Docs: README.md')
    .parserConfiguration({ 'populate--': true, 'unknown-options-as-args': false })
    .command(ALL)
    .option('root', {
      type: 'string',
      global: true,
      describe: 'task tree (default, see README "Finding the tree": $TASK_ROOT, then this pane\'s session\'s, then var/tmux/<session>/tasks found walking up)',
    })
    // The script's callback (--get-yargs-completions); `completion` prints the script (src/cli/completion.ts).
    .completion('__completion', false, complete)
    .option('backend', {
      type: 'string',
      global: true,
      describe: 'keep tasks in Redis instead of the tree: redis://host:port[/db][?queue=NAME] (default $TASK_BACKEND; README "Backends")',
    })
    .demandCommand(1, 'name a command (tmux-orc --help lists them)')
    .recommendCommands()
    .strict()
    .version(VERSION)
    .alias('h', 'help')
    // Wrapped to a terminal; whole lines in a pipe, so `--help | grep` finds an example whole.
    .wrap(process.stdout.isTTY ? Math.min(110, process.stdout.columns || 100) : null)
    .fail((msg, err) => {
      if (err) throw err;
      const near = /^Did you mean (.+)\?$/.exec(msg ?? '');
      if (near) {
        // A typo in a subcommand (`agent lst`) is the second word; the suggestion is given whole.
        const sub = TOP.has(argv[0]) ? `${argv[0]} ` : '';
        throw new OrcError('usage', `unknown command ${JSON.stringify(sub + (sub ? argv[1] : argv[0]))}: did you mean ${sub}${near[1]}? (tmux-orc ${sub}--help lists them)`);
      }
      if (msg === `Unknown argument: ${argv[0]}`) throw new OrcError('usage', `unknown command ${JSON.stringify(argv[0])} (tmux-orc --help lists them)`);
      throw new OrcError('usage', msg);
    });
  // TMUX_ORC_CHECK_ARGS=1: parse and validate the arguments, run nothing (the test that every
  // --help example is accepted as written uses it).
  if (process.env.TMUX_ORC_CHECK_ARGS === '1') {
    cli.middleware(() => {
      process.stdout.write('arguments ok\n');
      process.exit(0);
    });
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    code = report(err, argv);
  } finally {
    await closeStores();
  }
  return code || Number(process.exitCode ?? 0);
}
