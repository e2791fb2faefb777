/** `lock NAME [--timeout DUR] [--shared] -- CMD...` and `locks [--json]` (issue 18): named locks shared by shells, tasks and agents. */
import type { Argv, CommandModule } from 'yargs';
import { treeOnly } from '../../context.js';
import { runLocked } from '../../../queue/lock-run.js';
import { checkLockName, listLocks } from '../../../queue/named-locks.js';
import { parseDuration } from '../../../time.js';
import { fail } from '../../../errors.js';
import { printJson, printTable } from '../../output.js';

/** `lock`'s options: main.ts splits its argv with them (command-lines.ts), so CMD's own options stay CMD's. */
export const LOCK_OPTIONS = {
  timeout: { alias: 't', type: 'string', describe: 'give up after this long without the lock (exit 7); default: wait as long as it takes' },
  shared: { type: 'boolean', describe: 'a shared (read) lock: held by any number of shared holders, never with an exclusive one' },
} as const;

interface LockArgs {
  root?: string;
  name: string;
  timeout?: string;
  shared?: boolean;
  cmd?: string[];
  '--'?: string[];
}

export const lock: CommandModule<{ root?: string }, LockArgs> = {
  command: 'lock <name> [cmd..]',
  describe: 'run a command holding a named lock (the one tasks-enqueue --lock takes); exits with its exit code, 7 if the lock was not had in time',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'the lock' })
      .options(LOCK_OPTIONS)
      .example('$0 lock db -- ./migrate.sh', 'run ./migrate.sh while no task or shell holds lock db')
      .example("$0 lock db --timeout 30s -- 'pg_dump app > app.sql'", 'one word is a shell command line') as unknown as Argv<LockArgs>,
  handler: async (argv) => {
    const name = String(argv.name);
    checkLockName(name);
    let timeoutMs: number | undefined;
    if (argv.timeout !== undefined) {
      try {
        timeoutMs = parseDuration(String(argv.timeout));
      } catch (err) {
        throw fail('usage', `--timeout: ${(err as Error).message}`);
      }
    }
    const words = [...(argv.cmd ?? []), ...(argv['--'] ?? [])].map(String);
    process.exitCode = await runLocked(treeOnly(argv, 'lock'), name, words, { timeoutMs, shared: argv.shared });
  },
};

export const locks: CommandModule<{ root?: string }, { root?: string; backend?: string; json?: boolean }> = {
  command: 'locks',
  describe: 'the named locks held now: by which process, which task, how many wait',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }).example('$0 locks --json', '') as unknown as Argv<{ root?: string; backend?: string; json?: boolean }>,
  handler: (argv) => {
    const held = listLocks(treeOnly(argv, 'locks'));
    if (argv.json) return printJson(held);
    printTable(['LOCK', 'MODE', 'PID', 'TASK', 'WAITING'], held.map((l) => [l.name, l.mode, String(l.pid), l.task ?? '-', String(l.waiting)]));
  },
};
