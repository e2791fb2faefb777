#!/usr/bin/env node
/**
 * The `tmux-orc` entry. Built as one CommonJS file (dist/cli.cjs) holding the fast path — enqueue,
 * list, worker, --version — because CommonJS loads in one synchronous read where an ES module
 * graph costs a loader start-up and an asynchronous read per module: ~15 ms of every enqueue's
 * start-up here. Everything else loads the full CLI (yargs) from the ES module build, dist/main.js.
 */
import { fastPath } from './cli/fast.js';
import { report } from './cli/report.js';

// Built, the full CLI is dist/main.js next to this file; run from source (tsx), src/cli/main.ts.
const MAIN = import.meta.url.endsWith('.ts') ? './cli/main.ts' : './main.js';

async function run(argv: string[]): Promise<number> {
  try {
    const fast = await fastPath(argv);
    if (fast !== undefined) return fast;
    const { main } = (await import(MAIN)) as typeof import('./cli/main.js');
    return await main(argv);
  } catch (err) {
    return report(err, argv);
  }
}

const argv = process.argv.slice(2);
// A reader that went away (`tasks-list | head`) ends the output, not with a stack trace. Not for
// the worker: it outlives a closed pane and says so in its own handler.
if (argv[0] !== 'worker') process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : report(err, argv)));
void run(argv).then((code) => (process.exitCode = code));
