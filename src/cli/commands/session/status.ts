/** `status [--json]`: every pane, and what each worker is doing. */
import type { CommandModule } from 'yargs';
import { printJson, printTable } from '../../output.js';
import { paneWord, status, workerWord } from '../../../session/status.js';
import { context, optionalRoot, withRoot } from './common.js';

export const statusCommand: CommandModule<object, { json?: boolean; root?: string }> = {
  command: 'status',
  describe: 'list every pane: target, id, title, command, alive/dead, worker state',
  builder: (y) => withRoot(y.option('json', { type: 'boolean', describe: 'print JSON' }).example('$0 status', 'one line per pane').example('$0 status --json', 'the same as JSON')),
  handler: async (argv) => {
    const rows = await status(context(), optionalRoot(argv));
    if (argv.json) return printJson(rows);
    printTable(
      ['TARGET', 'PANE', 'TITLE', 'COMMAND', 'STATE', 'WORKER'],
      rows.map((r) => [r.target, r.paneId, r.title, r.command, paneWord(r), workerWord(r)]),
    );
  },
};
