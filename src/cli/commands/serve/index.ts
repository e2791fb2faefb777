/** The faces over the library (the HTTP server, the MCP server), listed by the CLI root. */
import type { CommandModule } from 'yargs';
import { serveCommand } from './serve.js';
import { mcp } from './mcp.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const serveCommands: CommandModule<any, any>[] = [serveCommand, mcp];
