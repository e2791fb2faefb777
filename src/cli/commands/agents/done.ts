import type { Argv, CommandModule } from 'yargs';
import { reportDone } from '../../../agents/assign.js';
import { AgentTaskIndex, findAgentTask } from '../../../queue/agent-tasks.js';
import { reportOn } from '../../../agents/assign-backend.js';
import { sessionBackend } from '../../../agents/dispatcher.js';
import { config } from '../../../config.js';
import { backendFrom, loadRedis } from '../../context.js';
import { idProblem } from '../../../queue/task.js';
import { tree } from '../../../queue/tree.js';
import { rootIfAny, rootOf } from './common.js';

interface Args {
  root?: string;
  backend?: string;
  words?: string[];
  fail?: boolean;
  '--'?: string[];
}

export const doneCmd: CommandModule<{ root?: string }, Args> = {
  command: 'done [words..]',
  describe: "an agent reports its turn: `done [ID] [NOTE] [--fail]` settles the task it holds, keeping the one-line note",
  builder: (y) =>
    y
      .positional('words', { type: 'string', array: true, describe: 'ID (default: the task this agent holds, from $ORC_AGENT) and the note' })
      .option('fail', { type: 'boolean', describe: 'the turn failed (retried while the task has retries left)' })
      .example('$0 done t0abc123 "Added --json; tests pass"', 'as the delivered text asks')
      .example('$0 done --fail "Cannot reproduce: need the log"', 'the task this agent holds')
      .epilog('With one word, it is the ID when a task of that ID exists, else the note. Only the agent\'s own running task is settled. ' +
        'A turn on the Redis backend is settled there (--backend, $TASK_BACKEND, or in an agent\'s window the backend its session\'s dispatcher serves). ' +
        'Exit codes: 0 settled; 2 no ID and not in an agent window; 3 unknown ID; 4 not this agent\'s running task; 10 Redis unreachable.') as unknown as Argv<Args>,
  handler: async (argv) => {
    const me = process.env.ORC_AGENT || undefined;
    // The backend: named, or (in an agent's window) the one its session's dispatcher serves.
    let url = backendFrom(argv);
    const root = url ? rootIfAny(argv) : rootOf(argv);
    if (!url && me && root) url = sessionBackend(root, process.env.TMUX_SESSION || config().session);
    const words = [...(argv.words ?? []), ...(argv['--'] ?? [])].map(String);
    const onTree = (id: string) => root !== undefined && !idProblem(id) && findAgentTask(tree(root), id) !== undefined;
    let id: string | undefined;
    if (words.length >= 2 || (words.length === 1 && (onTree(words[0]) || (url && !idProblem(words[0]) && (await existsOn(url, words[0])))))) id = words.shift();
    const o = { id, note: words.join(' '), ok: !argv.fail, me };
    // A turn on the tree is settled there; else on the backend (the turn the agent holds: the tree's first).
    const treeHolds = root !== undefined && me !== undefined && new AgentTaskIndex(tree(root)).list('running', true).some((f) => f.agent === me);
    const here = root !== undefined && (!url || (id !== undefined ? onTree(id) : treeHolds));
    const r = here ? await reportDone(root!, o) : await reportOn(url!, o);
    const where = r.to === 'queue' ? 'back in the queue (retries left)' : r.to;
    process.stdout.write(`${r.id} (${r.agent}): ${where}\n`);
  },
};

/** Whether a task of this ID exists on the backend (with one word, it is the ID if so, else the note). */
async function existsOn(url: string, id: string): Promise<boolean> {
  const store = (await loadRedis()).redisStore(url);
  try {
    return (await store.get(id)) !== undefined;
  } finally {
    await store.close();
  }
}
