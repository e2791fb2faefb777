/** `tmux-orc mcp [--read-only]`: an MCP server on stdin/stdout for AI clients (docs/mcp.md). */
import type { Argv, CommandModule } from 'yargs';
import { treeFrom } from '../../context.js';

interface Args {
  root?: string;
  readOnly?: boolean;
}

export const mcp: CommandModule<{ root?: string }, Args> = {
  command: 'mcp',
  describe: 'serve the tools (tasks, agents, session) to an MCP client over stdio; --read-only offers only the tools that change nothing',
  builder: (y) =>
    y
      .option('read-only', { type: 'boolean', describe: 'hide the tools that change anything (enqueue, cancel, retry, send, spawn, assign, schedule, barrier-signal)' })
      .example('claude mcp add --scope user orc -- tmux-orc mcp --root ~/proj/var/tmux/agents/tasks', 'give Claude Code the tools')
      .example('$0 mcp --read-only', 'look, never touch')
      .epilog('Inside an agent\'s window the server knows the agent ($ORC_AGENT): its messages are signed with it, and send_message without a target goes to whom it reports to. See docs/mcp.md.') as unknown as Argv<Args>,
  handler: async (argv) => {
    // The tree is resolved and checked once, up front: a client is told at once when there is none.
    const root = treeFrom(argv).root;
    const { serveStdio } = await import('../../../mcp/stdio.js');
    await serveStdio({ root, readOnly: !!argv.readOnly, caller: process.env.ORC_AGENT || undefined, env: process.env });
  },
};
