/**
 * Was a pasted message submitted? Pure judgement on two screen captures: the one just before Enter
 * was pressed and one after. Agent CLIs show the text being typed at the bottom of the screen;
 * once submitted, the input is cleared or the text moves up as the transcript grows below it.
 * A lost Enter leaves the pending text exactly where it was, whatever spinners do elsewhere.
 */

/** The part of a message most likely to be shown verbatim at the input line: the end of its last line. */
export function messageTail(message: string, max = 24): string | undefined {
  const lines = message.split(/\r?\n/).filter((l) => l.trim() !== '');
  const lastLine = lines[lines.length - 1];
  if (lastLine === undefined) return undefined;
  // Terminals render tabs and control characters in their own ways: keep the clean end only.
  const pieces = lastLine.split(/[\t\x00-\x1f\x7f]/).map((p) => p.trim()).filter(Boolean);
  const piece = pieces[pieces.length - 1];
  if (piece === undefined) return undefined;
  return piece.length > max ? piece.slice(-max) : piece;
}

/** Lines between the last line showing `needle` and the bottom of the screen, or undefined. */
export function distanceFromBottom(screen: string, needle: string): number | undefined {
  const lines = screen.replace(/\s+$/, '').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].includes(needle)) return lines.length - 1 - i;
  return undefined;
}

/**
 * True when the screen after Enter shows the message was taken: the screen changed, and the
 * message's tail (when it was visible before) is gone or no longer at the same place.
 */
export function looksSubmitted(before: string, after: string, message: string): boolean {
  if (after === before) return false;
  const tail = messageTail(message);
  if (tail === undefined) return true;
  const was = distanceFromBottom(before, tail);
  if (was === undefined) return true;
  return distanceFromBottom(after, tail) !== was;
}

/** Where the cursor is, 0-based. */
export interface Cursor {
  x: number;
  y: number;
}

/**
 * True when Enter visibly took the cursor to the start of a later line. A line-oriented program
 * (`cat`, a REPL in cooked mode) echoes a newline and nothing else: the screen text is the same,
 * only the cursor moved. A lost Enter moves nothing.
 */
export function cursorWentDown(before: Cursor | undefined, after: Cursor | undefined): boolean {
  return before !== undefined && after !== undefined && after.y > before.y && after.x === 0;
}
