/**
 * The commands that take a command line (or a message) after their options, with their option
 * tables: main.ts splits their argv with src/cli/split.ts before yargs sees it, so that
 * everything from the first word that is not ours on reaches the command untouched.
 */
import type { OptionTable } from './split.js';
import { ENQUEUE_OPTIONS } from './commands/tasks/enqueue.js';
import { RUN_OPTIONS } from './commands/session/run.js';
import { SEND_OPTIONS } from './commands/agents/send.js';
import { BROADCAST_OPTIONS } from './commands/agents/broadcast.js';
import { EDIT_OPTIONS } from './commands/tasks/edit.js';
import { LOCK_OPTIONS } from './commands/tasks/lock.js';

export const COMMAND_LINES: Record<string, { options: OptionTable; positionals: number }> = {
  'tasks-enqueue': { options: ENQUEUE_OPTIONS, positionals: 0 },
  'tasks-edit': { options: EDIT_OPTIONS, positionals: 1 },
  'run-all': { options: RUN_OPTIONS, positionals: 0 },
  'run-one': { options: RUN_OPTIONS, positionals: 1 },
  'run-master': { options: {}, positionals: 0 },
  send: { options: SEND_OPTIONS, positionals: 1 },
  broadcast: { options: BROADCAST_OPTIONS, positionals: 0 },
  lock: { options: LOCK_OPTIONS, positionals: 1 },
};
