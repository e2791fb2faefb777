import type { CommandModule } from 'yargs';
import { resolveRoot } from '../../../root.js';
import { DIRS, tree } from '../../../queue/tree.js';
import { printJson } from '../../output.js';

interface Args {
  root?: string;
  json?: boolean;
}

export const tasksPaths: CommandModule<Args, Args> = {
  command: 'tasks-paths',
  describe: 'print the resolved task tree and its directories (and where TASK_ROOT came from)',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: (argv) => {
    const { root, source } = resolveRoot({ root: argv.root });
    const t = tree(root);
    const dirs = Object.fromEntries(DIRS.map((d) => [d, t.dir(d)]));
    if (argv.json) return printJson({ root, source, ...dirs });
    process.stdout.write(`TASK_ROOT=${root}  (from ${source})\n`);
    for (const [d, p] of Object.entries(dirs)) process.stdout.write(`${d.padEnd(8)} ${p}\n`);
  },
};
