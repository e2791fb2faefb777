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
import { tasksPause, tasksResume } from './pause.js';
import { tasksHold, tasksRelease } from './hold.js';
import { tasksEdit } from './edit.js';
import { tasksMove } from './move.js';
import { tasksWait } from './wait.js';
import { tasksRm } from './rm.js';
import { group } from './group.js';
import { lock, locks } from './lock.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const taskCommands: CommandModule<any, any>[] = [
  tasksInit, tasksEnqueue, tasksList, tasksTail, tasksCancel, tasksRetry, tasksPaths, tasksHealth, tasksClean, worker,
  tasksPause, tasksResume, tasksHold, tasksRelease, tasksEdit, tasksMove, tasksWait, tasksRm,
  group, lock, locks, // issue 18: groups and named locks
];
