/** A claim holder for commands that claim a queued task themselves (tasks-cancel): the worker's launcher, without a pane. */
import fs from 'node:fs';
import { chooseLauncher } from '../worker/choose-launcher.js';
import { PerlLauncher } from '../worker/perl-launcher.js';
import type { Holder } from '../worker/launcher.js';
import { leaseMs } from './workers.js';

export function holderFor(env: NodeJS.ProcessEnv = process.env): Holder & { close(): void } {
  const devNull = fs.openSync('/dev/null', 'w');
  const launcher = new PerlLauncher({ ...chooseLauncher(env), paneFds: [devNull, devNull], leaseMs: leaseMs(env) });
  return {
    claim: (from, to) => launcher.claim(from, to),
    release: () => launcher.release(),
    close: () => {
      launcher.close();
      fs.closeSync(devNull);
    },
  };
}
