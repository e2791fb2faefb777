#!/usr/bin/env node
/**
 * The `tmux-orc` entry. Built as one CommonJS file (dist/cli.cjs) holding the fast path — enqueue,
 * list, worker, --version — because CommonJS loads in one synchronous read where an ES module
 * graph costs a loader start-up and an asynchronous read per module: ~15 ms of every enqueue's
 * start-up here. Everything else loads the full CLI (yargs) from the ES module build, dist/main.js.
 */
import { fastPath } from './cli/fast.js';
import { report } from './cli/report.js';
import { commandFirst } from './cli/split.js';
import { findConfigFile } from './config/find.js';

/**
 * Settings from a config file and `--set KEY=VALUE` flags before the command (src/config/): the
 * reader (YAML, zod) is loaded only when there is a file or a flag, so a plain enqueue pays one
 * stat per directory above it. `doctor` runs with a bad file and reports it.
 */
async function settings(argv: string[]): Promise<string[]> {
  const flags: string[] = [];
  while (argv[0] === '--set' && argv.length > 1) flags.push(argv.splice(0, 2)[1]);
  if (!flags.length && !findConfigFile()) return argv;
  const entry = import.meta.url.endsWith('.ts') ? './config/resolve.ts' : './config.js';
  const { applyConfig } = (await import(entry)) as typeof import('./config/resolve.js');
  try {
    applyConfig(process.env, process.cwd(), flags);
  } catch (err) {
    if (argv[0] !== 'doctor') throw err;
  }
  return commandFirst(argv);
}

async function run(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } finally {
    // A backend's connections would keep the process alive after the command is done.
    if (process.env.TASK_BACKEND || argv.some((a) => a === '--backend' || a.startsWith('--backend='))) await (await import('./cli/context.js')).closeStores();
  }
}

async function runCommand(argv: string[]): Promise<number> {
  try {
    argv = await settings(argv);
    const fast = await fastPath(argv);
    if (fast !== undefined) return fast;
    // Built, the full CLI is dist/main.js next to this file; run from source (tsx), src/cli/main.ts.
    const entry = import.meta.url.endsWith('.ts') ? './cli/main.ts' : './main.js';
    const { main } = (await import(entry)) as typeof import('./cli/main.js');
    return await main(argv);
  } catch (err) {
    return report(err, argv);
  }
}

// `--root R tasks-enqueue ...` is read as `tasks-enqueue --root R ...`: the command's own split applies.
const argv = commandFirst(process.argv.slice(2));
// A reader that went away (`tasks-list | head`) ends the output, not with a stack trace. Not for
// the worker: it outlives a closed pane and says so in its own handler. Not for an enqueue or
// --version: they print with writeOut, which does the same without creating process.stdout.
if (!['worker', 'tasks-enqueue', '--version'].includes(argv[0])) process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : report(err, argv)));
void run(argv).then((code) => (process.exitCode = code));
