/** The session command group, listed by the CLI root. */
import type { CommandModule } from 'yargs';
import { attachCommand } from './attach.js';
import { barrierSignalCommand, barrierWaitCommand } from './barrier.js';
import { captureCommand } from './capture.js';
import { initCommand } from './init.js';
import { killCommand } from './kill.js';
import { logsOffCommand, logsOnCommand } from './logs.js';
import { runAllCommand, runMasterCommand, runOneCommand } from './run.js';
import { statusCommand } from './status.js';
import { tasksStartCommand, tasksStopCommand } from './tasks.js';
import { topCommand } from './top.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const sessionCommands: CommandModule<any, any>[] = [
  initCommand,
  attachCommand,
  statusCommand,
  runAllCommand,
  runOneCommand,
  runMasterCommand,
  captureCommand,
  logsOnCommand,
  logsOffCommand,
  killCommand,
  tasksStartCommand,
  tasksStopCommand,
  barrierWaitCommand,
  barrierSignalCommand,
  topCommand,
];
