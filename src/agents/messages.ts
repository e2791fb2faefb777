/**
 * The message log: `<root>/messages.log`, one JSON object per line, appended with one write per
 * message (O_APPEND), so concurrent senders never interleave inside a line.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One logged message. */
export interface LoggedMessage {
  at: string;
  from?: string;
  /** The target as typed (agent name or tmux target). */
  to: string;
  /** The pane it was resolved to, when it was. */
  pane?: string;
  text: string;
  /** delivered: submission confirmed; unconfirmed: pasted, submission not seen; failed: not sent. */
  status: 'delivered' | 'unconfirmed' | 'failed';
  /** How many times Enter was pressed. */
  enters?: number;
  reason?: string;
}

const messagesPath = (root: string): string => path.join(root, 'messages.log');

/** Append one message to the log. */
export function logMessage(root: string, m: LoggedMessage): void {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  fs.appendFileSync(messagesPath(root), `${JSON.stringify(m)}\n`, { mode: 0o600 });
}

/** The log, oldest first; lines that do not parse are skipped. Filter by agent (sender or receiver). */
export function readMessages(root: string, opts: { agent?: string; limit?: number } = {}): LoggedMessage[] {
  let text: string;
  try {
    text = fs.readFileSync(messagesPath(root), 'utf8');
  } catch {
    return [];
  }
  const out: LoggedMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const m = JSON.parse(line) as LoggedMessage;
      if (opts.agent === undefined || m.to === opts.agent || m.from === opts.agent) out.push(m);
    } catch {
      // a torn or hand-edited line must not hide the rest
    }
  }
  return opts.limit === undefined ? out : out.slice(Math.max(0, out.length - opts.limit));
}
