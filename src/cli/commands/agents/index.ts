/** The agents command group, listed by the CLI root. */
import type { CommandModule } from 'yargs';
import { agent } from './agent.js';
import { assignCmd } from './assign.js';
import { doneCmd } from './done.js';
import { broadcast } from './broadcast.js';
import { gitSnapshot } from './git-snapshot.js';
import { messages } from './messages.js';
import { schedule } from './schedule.js';
import { send } from './send.js';
import { team } from './team.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const agentCommands: CommandModule<any, any>[] = [agent, send, broadcast, messages, schedule, gitSnapshot, team, assignCmd, doneCmd];
