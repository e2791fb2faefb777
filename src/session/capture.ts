/** `capture [DIR]`: the whole scrollback of every pane, one file per pane. */
import fs from 'node:fs';
import path from 'node:path';
import * as A from '../tmux/argv.js';
import { requireSession, type SessionContext } from './context.js';
import { fileStem, panes, targetOf } from './panes.js';

/** One file written. */
export interface Captured {
  target: string;
  pane: string;
  file: string;
  lines: number;
}

/** Write `<dir>/<session>.<window>.<worker-N|pane>.txt` for every pane (replacing older ones). */
export async function capture(ctx: SessionContext, dir: string): Promise<Captured[]> {
  const sid = await requireSession(ctx);
  const abs = path.resolve(dir);
  // Private, as the tree is: a pane's scrollback can hold anything typed or printed in it.
  fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
  const out: Captured[] = [];
  const used = new Set<string>();
  for (const p of await panes(ctx.tmux, sid)) {
    let stem = fileStem(p);
    if (used.has(stem)) stem = `${stem}.${p.windowIndex}`;
    used.add(stem);
    const text = trimBlankTail(await ctx.tmux.run(A.capturePane(p.paneId)));
    const file = path.join(abs, `${stem}.txt`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
    out.push({ target: targetOf(p), pane: p.paneId, file, lines: text === '' ? 0 : text.split('\n').length - 1 });
  }
  return out;
}

/** The empty screen rows below the last output are not content. */
export function trimBlankTail(text: string): string {
  const t = text.replace(/\s+$/, '');
  return t === '' ? '' : `${t}\n`;
}
