/**
 * Tool results: the answer as JSON text, or an MCP tool error (`isError`) carrying exactly the
 * line the CLI would print after `tmux-orc: ` for the same failure (system errors in words,
 * src/cli/errno.ts; OrcError messages as they are).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe } from '../errors.js';
import { plainErrno } from '../cli/errno.js';

export function answer(data: unknown): CallToolResult {
  return { content: [{ type: 'text', text: typeof data === 'string' ? data : JSON.stringify(data, null, 2) }] };
}

export function toolError(err: unknown, root: string | undefined): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: describe(plainErrno(err, root) ?? err) }] };
}

/** Run a tool's library call and shape what it gives or throws. */
export async function settle(fn: () => Promise<unknown>, root: string | undefined): Promise<CallToolResult> {
  try {
    return answer(await fn());
  } catch (err) {
    return toolError(err, root);
  }
}
