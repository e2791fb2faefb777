/** `team deploy|status|standup|reply|kill`. */
import type { Argv, CommandModule } from 'yargs';
import { killTeam, standup, standupReply, teamStatus, formatStandup } from '../../../agents/team.js';
import { EXIT, fail } from '../../../errors.js';
import { existingRoot, resolveRoot } from '../../../root.js';
import { printJson, printTable } from '../../output.js';
import { ago, durationOpt, timingFrom, timingOptions, type TimingArgs } from './common.js';

interface TeamArgs {
  root?: string;
  spec?: string;
  session?: string;
  json?: boolean;
}

// Specs need zod and yaml, slow to load: only the commands that read a spec load them.
const loadSpec = async (file: string) => (await import('../../../agents/spec.js')).loadSpec(file);

/** The tree and session a team command works on: a spec's session, or --session, or all agents. */
async function scope(argv: TeamArgs): Promise<{ root: string; session?: string }> {
  const session = argv.spec ? (await loadSpec(argv.spec)).session : argv.session;
  const env = session ? { ...process.env, TMUX_SESSION: session } : process.env;
  return { root: existingRoot({ root: argv.root, env }).root, session };
}

interface DeployArgs extends TeamArgs {
  spec: string;
  size?: string;
  readyTimeout?: string;
  projectName?: string;
  project?: string;
  preset?: string;
  command?: string;
  worktree?: boolean;
  dryRun?: boolean;
}

/** The spec text to deploy and the file it is known by: the spec file, or a built-in template. */
async function deploySource(argv: DeployArgs): Promise<{ text: string; file: string }> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { teamTemplate, TEAM_TYPE_NAMES } = await import('../../../agents/team-template.js');
  if (argv.size === undefined) {
    const isType = (TEAM_TYPE_NAMES as string[]).includes(String(argv.spec)) && !fs.existsSync(String(argv.spec));
    if (isType) throw fail('usage', `team deploy ${argv.spec} needs SIZE, the number of engineers: tmux-orc team deploy ${argv.spec} 3 --project-name NAME`);
    for (const o of ['projectName', 'preset', 'command', 'project', 'worktree'] as const) {
      if (argv[o] !== undefined) throw fail('usage', `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with team deploy TYPE SIZE; with a spec file, set it in the file`);
    }
    try {
      return { text: fs.readFileSync(String(argv.spec), 'utf8'), file: String(argv.spec) };
    } catch {
      throw fail('not-found', `team spec not found: ${argv.spec}`);
    }
  }
  if (!argv.projectName) throw fail('usage', `team deploy ${argv.spec} ${argv.size} needs --project-name NAME (it names the tmux session)`);
  const text = teamTemplate({ type: String(argv.spec), size: String(argv.size), projectName: argv.projectName, project: argv.project ?? process.cwd(), preset: argv.preset, command: argv.command, worktree: argv.worktree });
  // Known by the name the header suggests saving it under, so errors and relative paths read as for a file.
  return { text, file: path.resolve(`${argv.projectName}-team.yaml`) };
}

const deploy: CommandModule<{ root?: string }, DeployArgs> = {
  command: 'deploy <spec> [size]',
  describe: 'create the windows of a team spec (YAML/JSON) or of a built-in team (TYPE SIZE), start and brief its agents, arm its check-ins; idempotent',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'team spec file (see examples/team.yaml), or a team type: frontend, backend, fullstack, qa' })
      .positional('size', { type: 'string', describe: 'with a team type: how many engineers (under one PM and the orchestrator)' })
      .option('project-name', { type: 'string', describe: 'with TYPE SIZE: the team\'s name and tmux session' })
      .option('project', { type: 'string', describe: 'with TYPE SIZE: the project directory (default: here)' })
      .option('preset', { type: 'string', describe: 'with TYPE SIZE: the agent CLI of every agent (default claude)' })
      .option('command', { type: 'string', describe: 'with TYPE SIZE: the command line of every agent (with --preset: keeps its patterns)' })
      .option('worktree', { type: 'boolean', describe: 'with TYPE SIZE: each engineer in its own git worktree' })
      .option('dry-run', { type: 'boolean', describe: 'print the spec (YAML) that would be deployed, deploy nothing' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .option('ready-timeout', { type: 'string', describe: 'how long to wait for each agent\'s prompt (default 60s)' })
      .example('$0 team deploy examples/team.yaml', 'run it again any time: running agents are left alone')
      .example('$0 team deploy frontend 3 --project-name my-app', 'orchestrator, PM and 3 frontend engineers (Claude Code) in session my-app')
      .example('$0 team deploy backend 2 --project-name api --preset codex --dry-run > api-team.yaml', 'save the spec, edit it, deploy the file') as unknown as Argv<DeployArgs>,
  handler: async (argv) => {
    const source = await deploySource(argv);
    const spec = (await import('../../../agents/spec.js')).parseSpec(source.text, source.file);
    if (argv.dryRun) {
      process.stdout.write(source.text.endsWith('\n') ? source.text : `${source.text}\n`);
      return;
    }
    const { deployTeam } = await import('../../../agents/deploy.js');
    // deploy starts a session, as init does: it may create the tree (README "Finding the tree").
    const root = resolveRoot({ root: argv.root, env: { ...process.env, TMUX_SESSION: spec.session }, cwd: spec.project, create: true }).root;
    const r = await deployTeam(root, spec, { readyTimeoutMs: durationOpt('ready-timeout', argv.readyTimeout, 60_000) });
    if (argv.json) printJson(r);
    else {
      process.stdout.write(`team ${r.session} (tree ${r.root}; scheduler ${r.scheduler})\n`);
      for (const a of r.agents) process.stdout.write(`  ${a.name} (${a.role}): ${a.result}${a.error ? `: ${a.error}` : ''}\n`);
      for (const c of r.checkins) process.stdout.write(`  check-in ${c.id} → ${c.target}: ${c.result}\n`);
    }
    if (r.agents.some((a) => a.result === 'failed')) process.exitCode = EXIT.failed;
  },
};

const scopeOptions = <T>(y: Argv<T>) =>
  y
    .positional('spec', { type: 'string', describe: 'team spec (its session); default: all agents in the tree' })
    .option('session', { type: 'string', describe: 'only agents in this tmux session' });

const status: CommandModule<{ root?: string }, TeamArgs & TimingArgs> = {
  command: 'status [spec]',
  describe: 'one line per agent: role, state, current task, last activity',
  builder: (y) => timingOptions(scopeOptions(y).option('json', { type: 'boolean', describe: 'machine-readable output' })).example('$0 team status', '') as unknown as Argv<TeamArgs & TimingArgs>,
  handler: async (argv) => {
    const s = await scope(argv);
    const rows = await teamStatus(s.root, s.session, timingFrom(argv));
    if (argv.json) return printJson(rows);
    // Turns waiting in its work queue follow its task (free text: the last column).
    printTable(['NAME', 'ROLE', 'STATE', 'LAST ACTIVITY', 'TASK'], rows.map((r) => [r.name, r.role, r.state, ago(r.lastActivity), `${r.task || '-'}${r.queued ? ` (+${r.queued} queued)` : ''}`]));
  },
};

const standupCmd: CommandModule<{ root?: string }, TeamArgs & { timeout?: string }> = {
  command: 'standup [spec]',
  describe: 'ask every live agent for one status line and print the replies as one report',
  builder: (y) =>
    scopeOptions(y)
      .option('timeout', { type: 'string', describe: 'how long to wait for replies (default 2m)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 team standup --timeout 5m', '')
      .epilog('Agents answer with: tmux-orc team reply <ID> "<one line>". Exit 0 when all replied, 7 when some did not.') as unknown as Argv<TeamArgs & { timeout?: string }>,
  handler: async (argv) => {
    const s = await scope(argv);
    const r = await standup(s.root, { session: s.session, timeoutMs: durationOpt('timeout', argv.timeout, 120_000) });
    if (argv.json) printJson(r);
    else process.stdout.write(formatStandup(r.id, r.lines));
    if (!r.complete) process.exitCode = EXIT.timeout;
  },
};

const reply: CommandModule<{ root?: string }, { root?: string; id: string; text: string[]; from?: string }> = {
  command: 'reply <id> <text..>',
  describe: 'answer a standup (run by agents, from their window)',
  builder: (y) =>
    y
      .positional('id', { type: 'string' })
      .positional('text', { type: 'string', array: true })
      .option('from', { type: 'string', describe: 'who replies (default: $ORC_AGENT)' })
      .example('$0 team reply s1abc "Login form done; next: tests; no blockers"', '') as unknown as Argv<{ root?: string; id: string; text: string[]; from?: string }>,
  handler: (argv) => {
    const root = existingRoot({ root: argv.root }).root;
    standupReply(root, String(argv.id), argv.from ?? (process.env.ORC_AGENT || undefined), argv.text.map(String).join(' '));
    process.stdout.write(`reply recorded for standup ${argv.id}\n`);
  },
};

const kill: CommandModule<{ root?: string }, TeamArgs> = {
  command: 'kill [spec]',
  describe: 'kill the team\'s agents and cancel their check-ins',
  builder: (y) => scopeOptions(y).example('$0 team kill examples/team.yaml', '') as unknown as Argv<TeamArgs>,
  handler: async (argv) => {
    const s = await scope(argv);
    const r = await killTeam(s.root, s.session);
    process.stdout.write(`killed ${r.agents.length} agent(s)${r.agents.length ? `: ${r.agents.join(', ')}` : ''}; cancelled ${r.checkins.length} check-in(s)\n`);
  },
};

export const team: CommandModule<{ root?: string }, object> = {
  command: 'team <command>',
  describe: 'teams of agents: deploy a spec, status, standup, reply, kill',
  builder: (y) =>
    (y as Argv<{ root?: string }>)
      .command([deploy, status, standupCmd, reply, kill] as CommandModule<{ root?: string }, never>[])
      .demandCommand(1, 'name a team command: deploy, status, standup, reply, kill')
      .example('$0 team deploy examples/team.yaml', 'windows, agents, briefings and check-ins of the spec')
      .example('$0 team status', 'every agent of every team'),
  handler: () => undefined,
};
