#!/usr/bin/env node
import { fastPath } from './cli/fast.js';
import { report } from './cli/report.js';

const argv = process.argv.slice(2);
// A reader that went away (`tasks-list | head`) ends the output, not with a stack trace. Not for
// the worker: it outlives a closed pane and says so in its own handler.
if (argv[0] !== 'worker') process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : report(err, argv)));
try {
  process.exitCode = (await fastPath(argv)) ?? (await (await import('./cli/main.js')).main(argv));
} catch (err) {
  process.exitCode = report(err, argv);
}
