/** The task queue command group, listed by the CLI root. */
import type { CommandModule } from 'yargs';
import { tasksInit } from './init.js';
import { tasksEnqueue } from './enqueue.js';
import { tasksList } from './list.js';
import { tasksTail } from './tail.js';
import { tasksCancel } from './cancel.js';
import { tasksRetry } from './retry.js';
import { tasksPaths } from './paths.js';
import { tasksHealth } from './health.js';
import { tasksClean } from './clean.js';
import { worker } from './worker.js';
import { group } from './group.js';
import { lock, locks } from './lock.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const taskCommands: CommandModule<any, any>[] = [
  tasksInit, tasksEnqueue, tasksList, tasksTail, tasksCancel, tasksRetry, tasksPaths, tasksHealth, tasksClean, worker,
  group, lock, locks, // issue 18: groups and named locks
];
