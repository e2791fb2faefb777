import type { Argv, CommandModule } from 'yargs';
import { assign, DONE_ON_IDLE_DEFAULT, waitHandoff } from '../../../agents/assign.js';
import { fail } from '../../../errors.js';
import { specFromArgs, turnOf } from '../tasks/enqueue-args.js';
import { assignOn, waitHandoffOn } from '../../../agents/assign-backend.js';
import { backendFrom } from '../../context.js';
import { durationOpt, readStdin, rootIfAny, rootOf } from './common.js';

interface Args {
  root?: string;
  backend?: string;
  agent: string;
  text?: string[];
  '--'?: string[];
  id?: string;
  priority?: number;
  after?: string | string[];
  in?: string;
  at?: string;
  timeout?: string;
  retries?: number;
  backoff?: string;
  'done-on-idle'?: string;
  wait?: boolean;
}

export const assignCmd: CommandModule<{ root?: string }, Args> = {
  command: 'assign <agent> [text..]',
  describe: "queue a turn for an agent (a task of the tree, or of the backend when one is named): typed into it when it is idle, one at a time; prints the task's ID",
  builder: (y) =>
    y
      .positional('agent', { type: 'string', describe: 'the agent (tmux-orc agent list)' })
      .positional('text', { type: 'string', array: true, describe: 'what to do; - reads it from stdin' })
      .option('id', { alias: 'i', type: 'string', describe: 'task ID (default: generated)' })
      .option('priority', { alias: 'p', type: 'number', describe: 'higher is delivered first, -1000..1000 (default 0)' })
      // Not an array option: that would take the text's words as IDs too. Comma-separated, or repeated.
      .option('after', { type: 'string', describe: 'deliver once these task IDs (shell tasks or agent turns) are done: ID,ID (or repeat it)' })
      .option('in', { type: 'string', describe: 'not before this long from now (10m)' })
      .option('at', { type: 'string', describe: 'not before this time (14:30)' })
      .option('timeout', { type: 'string', describe: 'fail it (reason timeout) this long after it is handed to the agent; the agent is interrupted with Escape' })
      .option('retries', { type: 'number', describe: 'a failed, timed-out or undeliverable turn is queued again this many times' })
      .option('backoff', { type: 'string', describe: 'first retry delay, doubling each attempt (default 1s)' })
      .option('done-on-idle', { type: 'string', describe: `settle it as done when the agent, after being busy, stays idle this long (default ${DONE_ON_IDLE_DEFAULT} when given alone)` })
      .option('wait', { alias: 'w', type: 'boolean', describe: "a handoff: block until it is settled, print the agent's note; exit 0 done, 1 not" })
      .example('$0 assign eng-1 "Add a --json flag to the list command"', 'prints the task ID')
      .example('$0 assign eng-1 --priority 5 --after build "Fix what the build broke"', 'after the shell task "build" is done')
      .example('$0 assign qa --wait --timeout 30m "Review the diff on branch auth"', 'blocks; prints the note of `tmux-orc done`')
      .epilog('The agent reports with `tmux-orc done ID "one-line result"` (or --fail); the line telling it so is added to the text. ' +
        'With a backend (--backend, $TASK_BACKEND) the turn is kept in Redis and may be assigned from any host (README "Backends"). ' +
        'Exit codes: 0 queued (with --wait: done); 1 (--wait) failed, timed out or cancelled; 2 bad input; 3 unknown agent or --after ID; 10 Redis unreachable.') as unknown as Argv<Args>,
  handler: async (argv) => {
    const words = [...(argv.text ?? []), ...(argv['--'] ?? [])].map(String);
    const text = words.length === 1 && words[0] === '-' ? await readStdin() : words.join(' ');
    if (text.trim() === '') throw fail('usage', 'empty task: give the text of the turn (or - to read it from stdin)');
    const after = argv.after === undefined ? undefined : [argv.after].flat().map(String);
    const spec = specFromArgs({ ...argv, after, cwd: undefined, label: undefined, every: undefined }, text, process.cwd(), Date.now());
    const dur = argv['done-on-idle'];
    const url = backendFrom(argv);
    const root = url ? rootIfAny(argv) : rootOf(argv);
    const doneOnIdleMs = dur === undefined ? undefined : durationOpt('done-on-idle', dur === '' ? DONE_ON_IDLE_DEFAULT : dur, 0);
    const req = { agent: String(argv.agent), ...turnOf(spec, text, doneOnIdleMs) };
    const { id, warning } = url ? await assignOn(url, root, req) : await assign(root!, req);
    process.stdout.write(`${id}\n`);
    if (warning) process.stderr.write(`tmux-orc: warning: ${warning}\n`);
    if (!argv.wait) return;
    const r = url ? await waitHandoffOn(url, id) : await waitHandoff(root!, id);
    if (r.note) process.stdout.write(`${r.note}\n`);
    process.stderr.write(`${id}: ${r.ok ? 'done' : `${r.status}${r.reason ? `: ${r.reason}` : ''}`}\n`);
    process.exitCode = r.ok ? 0 : 1;
  },
};
