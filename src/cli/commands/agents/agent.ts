/** `agent spawn|list|status|revive|kill`. */
import type { Argv, CommandModule } from 'yargs';
import { agentKill } from './agent-kill.js';
import { agentList } from './agent-list.js';
import { agentRevive } from './agent-revive.js';
import { agentSpawn } from './agent-spawn.js';
import { agentStatusCmd } from './agent-status.js';
import { agentDispatch } from './agent-dispatch.js';

export const agent: CommandModule<{ root?: string }, object> = {
  command: 'agent <command>',
  describe: 'AI coding agents in tmux windows: spawn, list, status, revive, kill, dispatch',
  builder: (y) =>
    (y as Argv<{ root?: string }>)
      .command([agentSpawn, agentList, agentStatusCmd, agentRevive, agentKill, agentDispatch] as CommandModule<{ root?: string }, never>[])
      .demandCommand(1, 'name an agent command: spawn, list, status, revive, kill, dispatch')
      .example('$0 agent list', 'every agent, its window and state')
      .example('$0 agent status', 'one line per agent'),
  handler: () => undefined,
};
