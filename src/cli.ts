#!/usr/bin/env node
import { fastPath } from './cli/fast.js';
import { report } from './cli/report.js';

const argv = process.argv.slice(2);
try {
  process.exitCode = (await fastPath(argv)) ?? (await (await import('./cli/main.js')).main(argv));
} catch (err) {
  process.exitCode = report(err, argv);
}
