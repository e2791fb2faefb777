/** The agents command group, listed by the CLI root. */
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const agentCommands: CommandModule<any, any>[] = [];
