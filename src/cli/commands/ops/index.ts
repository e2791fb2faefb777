/** The day-two operations group (config, doctor, logs search, completion), listed by the CLI root. */
import type { CommandModule } from 'yargs';
import { configCommand } from './config.js';
import { logsCommand } from './logs.js';
import { doctorCommand } from './doctor.js';
import { completionCommand } from '../../completion.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const opsCommands: CommandModule<any, any>[] = [configCommand, doctorCommand, logsCommand, completionCommand];
