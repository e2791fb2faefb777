import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { config } from '../../../config.js';
import { armSchedule, parseEvery } from '../../../agents/schedule.js';
import { ensureScheduler } from '../../../agents/scheduler.js';
import { snapshot } from '../../../agents/snapshot.js';
import { repoTop } from '../../../agents/worktree.js';
import { fail } from '../../../errors.js';
import { rootOf } from './common.js';

interface Args {
  root?: string;
  dir: string;
  every?: string;
  message?: string;
}

export const gitSnapshot: CommandModule<{ root?: string }, Args> = {
  command: 'git-snapshot <dir>',
  describe: 'commit work in progress in DIR ("Progress: … <time>") only when there are changes; --every repeats it',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'a directory in a git work tree' })
      .option('every', { type: 'string', describe: 'schedule it with this period instead of committing now (30m)' })
      .option('message', { type: 'string', describe: 'words to put after "Progress:"' })
      .example('$0 git-snapshot .', 'commit now if anything changed')
      .example('$0 git-snapshot ~/app --every 30m', 'the "commit every 30 minutes" rule, as a schedule') as unknown as Argv<Args>,
  handler: async (argv) => {
    const dir = path.resolve(String(argv.dir));
    if (argv.every === undefined) {
      const s = snapshot(dir, argv.message);
      process.stdout.write(s.committed ? `${s.commit} ${s.message} (${s.files} file${s.files === 1 ? '' : 's'})\n` : `no changes in ${s.dir}\n`);
      return;
    }
    const everyMs = parseEvery(String(argv.every));
    if (!repoTop(dir)) throw fail('usage', `git-snapshot: ${dir} is not in a git repository`);
    const root = rootOf(argv);
    const args = ['git-snapshot', dir, ...(argv.message ? ['--message', argv.message] : [])];
    const id = await armSchedule(root, { at: Date.now() + everyMs, everyMs, kind: 'snapshot', target: dir, note: argv.message ?? 'git snapshot', args });
    const cfg = config();
    await ensureScheduler(root, cfg.socket, cfg.session).catch((err) => process.stderr.write(`tmux-orc: warning: scheduler not started: ${(err as Error).message}\n`));
    process.stdout.write(`${id}\n`);
  },
};
