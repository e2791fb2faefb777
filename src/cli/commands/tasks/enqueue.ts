import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { backendFrom, storeFrom } from '../../context.js';
import { outcomeLine, type Outcome } from '../../../queue/wait.js';
import type { Store } from '../../../store/store.js';
import { fail } from '../../../errors.js';
import { writeOut } from '../../output.js';
import { plainReason } from '../../errno.js';
import { progress } from '../../progress.js';
import { noWorkerNotice } from '../../no-worker.js';
import { commandLine, specFromArgs, turnFromArgs, type EnqueueArgs } from './enqueue-args.js';
import { keyHolder } from '../../../queue/unique.js';

/** Parsed `tasks-enqueue` arguments, from yargs or from the fast path (src/cli/fast.ts). */
export interface EnqueueCommandArgs extends EnqueueArgs {
  root?: string;
  backend?: string;
  wait?: boolean;
  stdin?: boolean;
  agent?: string;
}

/** The one table of `tasks-enqueue` options: yargs builds its parser and help from it, the fast path too. */
export const ENQUEUE_OPTIONS = {
  cwd: { alias: 'd', type: 'string', describe: 'directory to run in (default: the current one)' },
  id: { alias: 'i', type: 'string', describe: 'task ID (default: generated, sortable by time)' },
  env: { alias: 'e', type: 'string', array: true, describe: 'NAME=value for the task (repeat)' },
  priority: { alias: 'p', type: 'number', describe: 'higher runs first, -1000..1000 (default 0)' },
  after: { type: 'string', array: true, describe: 'wait until these task IDs are done (comma-separated)' },
  in: { type: 'string', describe: 'start no earlier than this long from now (30s, 10m, 2h)' },
  at: { type: 'string', describe: 'start no earlier than this time (14:30, 2026-12-01T09:00Z, @epoch)' },
  timeout: { type: 'string', describe: 'kill the task after this long (SIGTERM, then SIGKILL)' },
  retries: { type: 'number', describe: 'retry a failure this many times, with exponential backoff' },
  backoff: { type: 'string', describe: 'first retry delay, doubling each attempt (default 1s)' },
  label: { alias: 'l', type: 'string', describe: 'free-form label (workers can be limited to one)' },
  every: { type: 'string', describe: 'recur: after each run, queue it again one period later' },
  group: { type: 'string', describe: 'run in group G: at most its limit at once across all workers (tmux-orc group set G --parallel N)' },
  lock: { type: 'string', describe: 'hold the named lock while it runs (shared with tmux-orc lock NAME and other tasks)' },
  wait: { alias: 'w', type: 'boolean', describe: 'block until the task ends; exit with its exit code' },
  stdin: { type: 'boolean', describe: 'bulk: one command per input line, one ID per output line' },
  'after-any': { type: 'string', array: true, describe: 'wait until these task IDs have ended, whatever their result (comma-separated)' },
  hold: { type: 'boolean', describe: 'queue it held: no worker claims it until tasks-release' },
  unique: { type: 'string', describe: 'refuse (exit 4, printing its ID) while a task with this key is queued, held or running' },
  'on-finish': { type: 'string', describe: 'a command run after the task ends, with TASK_ID, TASK_STATUS, TASK_EXIT_CODE… set' },
  agent: { type: 'string', describe: "a turn for this agent, not a shell command: the words are its text (as tmux-orc assign)" },
} as const;

export const tasksEnqueue: CommandModule<{ root?: string }, EnqueueCommandArgs & { cmd?: string[]; '--'?: string[] }> = {
  command: 'tasks-enqueue [cmd..]',
  describe: 'queue a command: our options first, then the command and its arguments, untouched (-- optional); prints its ID',
  builder: (y) =>
    y
      .options(ENQUEUE_OPTIONS)
      .example('$0 tasks-enqueue -i build make test', 'run `make test` here, as task "build"')
      .example('$0 tasks-enqueue grep -r -c TODO .', "everything from the command on is its argv, untouched (-- is optional)")
      .example("$0 tasks-enqueue -e FOO=bar bash -c 'echo $FOO'", 'argv is kept exactly')
      .example('$0 tasks-enqueue -i deploy --after build --retries 3 --timeout 1h30m ./deploy.sh', 'once "build" is done, with retries')
      .example('seq 100 | sed "s/^/echo /" | $0 tasks-enqueue --stdin', 'enqueue 100 tasks in one go (# comments and blank lines skipped)')
      .example('$0 tasks-enqueue --wait --timeout 10s sleep 1', 'block until it ends; exit with its exit code')
      .example('$0 tasks-enqueue --unique nightly ./backup.sh', 'refused (exit 4) while another "nightly" task is queued, held or running')
      .example('$0 tasks-enqueue --lock db make migrate', 'runs while no other task or `tmux-orc lock db` holds lock db (groups: tmux-orc group --help)') as unknown as Argv<
      EnqueueCommandArgs & { cmd?: string[]; '--'?: string[] }
    >,
  handler: async (argv) => {
    process.exitCode = await runEnqueue(argv, [...(argv.cmd ?? []), ...(argv['--'] ?? [])].map(String));
  },
};

/** Enqueue from parsed arguments and the command words; resolves to the exit code. */
export async function runEnqueue(a: EnqueueCommandArgs, words: string[]): Promise<number> {
  if (a.wait && a.every !== undefined) throw fail('usage', '--wait cannot be used with --every: a recurring task never ends (use tasks-tail -f ID to watch one run)');
  if (a.agent !== undefined) return enqueueForAgent(a, words);
  const store = storeFrom(a);
  const now = Date.now();
  if (a.stdin) {
    if (words.length) throw fail('usage', '--stdin reads the commands from standard input, one per line; give none on the command line');
    // Blank lines and `# comment` lines are skipped, as a shell script's would be.
    const all = fs.readFileSync(0, 'utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    const lines = [...all.entries()].filter(([, l]) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    const { cmd: _none, ...options } = specFromArgs(a, '', process.cwd(), now);
    checkCwd(options.cwd);
    const status = progress();
    const { ids, stopped } = await store.enqueueMany(options, lines.map(([, l]) => l), now, (n) => status.update('queueing', n, lines.length));
    status.clear();
    writeOut(ids.map((id) => `${id}\n`).join(''));
    if (stopped) {
      const line = lines[stopped.index][0] + 1;
      throw fail('failed', `queued ${ids.length} of ${lines.length}; stopped at line ${line}: ${plainReason(stopped.error)}`);
    }
    return a.wait ? waitAndReport(store, ids) : 0;
  }
  if (words.length === 0) throw fail('usage', 'empty command: give one, e.g. tmux-orc tasks-enqueue make test');
  const spec = specFromArgs(a, commandLine(words), process.cwd(), now);
  checkCwd(spec.cwd);
  let id: string;
  try {
    id = await store.enqueue(spec, { now });
  } catch (err) {
    const holder = keyHolder(err);
    if (holder !== undefined) writeOut(`${holder}\n`); // the task that holds the key
    throw err;
  }
  writeOut(`${id}\n`);
  return a.wait ? waitAndReport(store, [id]) : 0;
}

/** `--agent`: the words are the text of an agent's turn, queued as `assign` queues it. */
async function enqueueForAgent(a: EnqueueCommandArgs, words: string[]): Promise<number> {
  const turn = turnFromArgs(a, words.join(' '), Date.now());
  const { rootIfAny, rootOf } = await import('../agents/common.js');
  const { assign, waitHandoff } = await import('../../../agents/assign.js');
  const { assignOn, waitHandoffOn } = await import('../../../agents/assign-backend.js');
  const url = backendFrom(a);
  const root = url ? rootIfAny(a) : rootOf(a);
  const { id, warning } = url ? await assignOn(url, root, { agent: a.agent!, ...turn }) : await assign(root!, { agent: a.agent!, ...turn });
  writeOut(`${id}\n`);
  if (warning) process.stderr.write(`tmux-orc: warning: ${warning}\n`);
  if (!a.wait) return 0;
  const r = url ? await waitHandoffOn(url, id) : await waitHandoff(root!, id);
  if (r.note) writeOut(`${r.note}\n`);
  return r.ok ? 0 : 1;
}

/**
 * What a worker would refuse as `bad-cwd` is refused now (exit 3), naming the directory: a typo in
 * `-d` should not surface minutes later in tasks-list. (A directory removed after this is still
 * the worker's to report.)
 */
export function checkCwd(cwd: string | undefined): void {
  if (cwd === undefined) return;
  let st: fs.Stats;
  try {
    st = fs.statSync(cwd);
  } catch (err) {
    throw fail('not-found', `--cwd ${cwd}: ${plainReason(err)}`);
  }
  if (!st.isDirectory()) throw fail('not-found', `--cwd ${cwd}: not a directory`);
}

/**
 * `--wait`: block until every task has ended, print one outcome line each on stderr (stdout
 * keeps only the IDs), and exit 0 when all are done, else with the first failed task's code.
 * Says once when no worker is alive to run them; on a terminal, a status line says what is left.
 */
async function waitAndReport(store: Store, ids: string[]): Promise<number> {
  const line = progress();
  const noWorker = noWorkerNotice(store, (s) => line.say(s));
  await noWorker();
  const status = ({ queued, running }: { queued: number; running: number }) => {
    if (ids.length === 1) return line.update(`${ids[0]}: ${running ? 'running' : 'queued'}`);
    line.update(`waiting: ${running} running, ${queued} queued`, ids.length - queued - running, ids.length);
  };
  status({ queued: ids.length, running: 0 });
  try {
    const outcomes: Outcome[] = await store.waitForAll(ids, {
      onTick: (left) => (status(left), void noWorker()),
      onEnd: (o) => line.say(outcomeLine(o)),
    });
    return outcomes.find((o) => o.code !== 0)?.code ?? 0;
  } finally {
    line.clear();
  }
}
