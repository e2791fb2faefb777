import type { Argv, CommandModule } from 'yargs';
import { reportDone } from '../../../agents/assign.js';
import { findAgentTask } from '../../../queue/agent-tasks.js';
import { idProblem } from '../../../queue/task.js';
import { tree } from '../../../queue/tree.js';
import { rootOf } from './common.js';

interface Args {
  root?: string;
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
        'Exit codes: 0 settled; 2 no ID and not in an agent window; 3 unknown ID; 4 not this agent\'s running task.') as unknown as Argv<Args>,
  handler: async (argv) => {
    const root = rootOf(argv);
    const words = [...(argv.words ?? []), ...(argv['--'] ?? [])].map(String);
    let id: string | undefined;
    if (words.length >= 2 || (words.length === 1 && !idProblem(words[0]) && findAgentTask(tree(root), words[0]))) id = words.shift();
    const me = process.env.ORC_AGENT || undefined;
    const r = await reportDone(root, { id, note: words.join(' '), ok: !argv.fail, me });
    const where = r.to === 'queue' ? 'back in the queue (retries left)' : r.to;
    process.stdout.write(`${r.id} (${r.agent}): ${where}\n`);
  },
};
