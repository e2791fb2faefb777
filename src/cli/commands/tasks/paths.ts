import fs from 'node:fs';
import type { CommandModule } from 'yargs';
import { resolveRoot } from '../../../root.js';
import { DIRS, tree } from '../../../queue/tree.js';
import { printJson } from '../../output.js';
import { refuseOnBackend } from '../../context.js';

interface Args {
  root?: string;
  backend?: string;
  json?: boolean;
}

export const tasksPaths: CommandModule<Args, Args> = {
  command: 'tasks-paths',
  describe: 'print the task tree every command would use, why (see "Finding the tree"), and its directories; exit 3 when none is found',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 tasks-paths', 'TASK_ROOT=... (found walking up from ...), then one line per directory')
      .example('$0 tasks-paths --json', 'the same as one JSON object'),
  handler: (argv) => {
    refuseOnBackend(argv, 'tasks-paths');
    const { root, source, why } = resolveRoot({ root: argv.root });
    const t = tree(root);
    const dirs = Object.fromEntries(DIRS.map((d) => [d, t.dir(d)]));
    const state = stateOf(root);
    if (argv.json) return printJson({ root, source, why, state, ...dirs });
    const note = { ok: '', missing: '; does not exist yet: tmux-orc tasks-init creates it', 'not-a-directory': '; not a directory' }[state];
    process.stdout.write(`TASK_ROOT=${root}  (${why}${note})\n`);
    for (const [d, p] of Object.entries(dirs)) process.stdout.write(`${d.padEnd(8)} ${p}\n`);
  },
};

function stateOf(root: string): 'ok' | 'missing' | 'not-a-directory' {
  try {
    return fs.statSync(root).isDirectory() ? 'ok' : 'not-a-directory';
  } catch {
    return 'missing';
  }
}
