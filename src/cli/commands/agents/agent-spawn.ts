import type { Argv, CommandModule } from 'yargs';
import { PRESET_NAMES } from '../../../agents/presets.js';
import { spawnAgent } from '../../../agents/spawn.js';
import { durationOpt, rootOf } from './common.js';

interface Args {
  root?: string;
  name: string;
  role: string;
  preset?: string;
  command?: string;
  cwd?: string;
  env?: string[];
  brief?: string;
  worktree?: boolean;
  session?: string;
  readyPattern?: string;
  busyPattern?: string;
  waitingPattern?: string;
  readyTimeout?: string;
}

export const agentSpawn: CommandModule<{ root?: string }, Args> = {
  command: 'spawn',
  describe: 'start an agent in its own tmux window, wait until it is ready, send its briefing',
  builder: (y) =>
    y
      .option('name', { type: 'string', demandOption: true, describe: 'agent name (also its window name)' })
      .option('role', { type: 'string', demandOption: true, describe: 'orchestrator, pm, engineer, qa or any word' })
      .option('preset', { type: 'string', describe: `agent CLI: ${PRESET_NAMES.join(', ')}` })
      .option('command', { type: 'string', describe: 'command line to run (with --preset: replaces its command, keeps its patterns)' })
      .option('cwd', { type: 'string', describe: 'working directory (default: here)' })
      .option('env', { type: 'string', array: true, describe: 'KEY=VALUE set in the agent\'s window (repeatable)' })
      .option('brief', { type: 'string', describe: 'briefing: a file or the text itself; {{name}} {{role}} {{session}} {{reports_to}} {{team}} are filled in' })
      .option('worktree', { type: 'boolean', describe: 'work in its own git worktree, on branch agent/<name>' })
      .option('session', { type: 'string', describe: 'tmux session (default: $TMUX_SESSION or agents)' })
      .option('ready-pattern', { type: 'string', describe: 'regex seen when the agent shows its prompt' })
      .option('busy-pattern', { type: 'string', describe: 'regex seen while it works' })
      .option('waiting-pattern', { type: 'string', describe: 'regex seen at a permission prompt' })
      .option('ready-timeout', { type: 'string', describe: 'how long to wait for its prompt (default 60s)' })
      .example('$0 agent spawn --name orc --role orchestrator --preset claude --brief examples/briefings/orchestrator.md', '')
      .example('$0 agent spawn --name fe --role engineer --preset codex --cwd ~/app --worktree --brief "Fix the login form"', '')
      .example('$0 agent spawn --name local --role engineer --preset ollama --command "ollama run qwen3-coder"', '') as unknown as Argv<Args>,
  handler: async (argv) => {
    const root = rootOf(argv);
    const req = {
      name: String(argv.name),
      role: String(argv.role),
      preset: argv.preset,
      command: argv.command,
      cwd: argv.cwd,
      env: argv.env?.map(String),
      brief: argv.brief,
      worktree: argv.worktree,
      session: argv.session,
      patterns: { ready: argv.readyPattern, busy: argv.busyPattern, waiting: argv.waitingPattern },
    };
    const readyTimeoutMs = durationOpt('ready-timeout', argv.readyTimeout, 60_000);
    const rec = await spawnAgent(root, req, readyTimeoutMs, (r) =>
      process.stdout.write(`${r.name}: started in ${r.session}:${r.name} (pane ${r.pane})${r.worktree ? ` in worktree ${r.worktree} on ${r.branch}` : ''}\n`),
    );
    process.stdout.write(`${rec.name}: ready${rec.brief ? ', briefed' : ''}\n`);
  },
};
