/**
 * `top`'s terminal loop: draw a frame on the alternate screen, redraw when the tree changes
 * (directory events are only a wake-up: a slow rescan runs too, as workers do), at most
 * `maxFps` times a second, and quit on `q` (or Ctrl-C). The agents' panes are looked at on a
 * slower timer: each look costs tmux calls, and their state is read off screens, not the tree.
 */
import fs from 'node:fs';
import type { Tree } from '../queue/tree.js';
import { render } from './render.js';
import { sampler, type Snapshot } from './snapshot.js';

export interface TopOptions {
  /** Most frames a second (events coalesce to this). */
  maxFps: number;
  /** A full rescan at least this often even with no event (elapsed times tick with it). */
  rescanMs: number;
  /** How often the agents' panes are looked at. */
  agentsMs: number;
  color: boolean;
  /** Draw one frame to stdout and return (a capture for docs and pipes). */
  once: boolean;
}

const WATCHED = ['queue', 'running', 'done', 'failed', 'workers'] as const;

export async function runTop(t: Tree, o: TopOptions, out: NodeJS.WriteStream = process.stdout, input: NodeJS.ReadStream = process.stdin): Promise<void> {
  const look = sampler(t);
  const size = () => ({ cols: out.columns || 80, rows: out.rows || 24 });
  if (o.once) {
    const s = await look.sample(true);
    out.write(`${render(s, { ...size(), color: o.color, now: s.at }).join('\n')}\n`);
    return;
  }
  let snap: Snapshot | undefined;
  let lastFrame = '';
  /** The terminal was resized: its contents cannot be trusted. */
  let force = false;
  let dirty = true;
  let agentsDue = 0;
  let busy = false;
  let lastLook = 0;
  let lookCost = 0;
  let stopped = false;
  const draw = () => {
    if (!snap) return;
    const lines = render(snap, { ...size(), color: o.color, now: Date.now() });
    // Home, each line cleared to its end, then everything below cleared: no flicker, no scrolling.
    const frame = `\x1b[H${lines.join('\x1b[K\r\n')}\x1b[K\x1b[J`;
    if (frame !== lastFrame || force) out.write(frame);
    lastFrame = frame;
    force = false;
  };
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const now = Date.now();
      const withAgents = now >= agentsDue;
      if (withAgents) agentsDue = now + o.agentsMs;
      // A look at a big tree is not free (100,000 queued names take ~0.1 s to read): looks are
      // spaced to at least 4 times their cost, so a busy tree costs top a quarter of a core at most.
      if ((dirty && now - lastLook >= 4 * lookCost) || withAgents) {
        dirty = false;
        lastLook = now;
        snap = await look.sample(withAgents);
        lookCost = Date.now() - now;
      }
      draw();
    } finally {
      busy = false;
    }
  };
  const watchers = WATCHED.flatMap((d) => {
    try {
      return [fs.watch(t.dir(d), () => (dirty = true))];
    } catch {
      return []; // the rescan timer covers a directory that cannot be watched
    }
  });
  for (const w of watchers) w.on('error', () => undefined);
  let lastScan = 0;
  const onResize = () => {
    force = true;
    draw();
  };
  out.write('\x1b[?1049h\x1b[?25l');
  const done = new Promise<void>((resolve) => {
    const quit = () => {
      stopped = true;
      clearInterval(timer);
      for (const w of watchers) w.close();
      out.off('resize', onResize);
      input.off('data', onKey);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      out.write('\x1b[?25h\x1b[?1049l');
      resolve();
    };
    const onKey = (b: Buffer) => {
      const k = b.toString();
      if (k === 'q' || k === 'Q' || k === '\x03' || k === '\x1b') quit();
      else if (k === 'r' || k === ' ') dirty = true;
    };
    // Frames come from this one timer: events only mark the view dirty, so a burst of them
    // costs one rescan per frame at most.
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - lastScan >= o.rescanMs) dirty = true;
      if (dirty) lastScan = now;
      void tick().catch((err: Error) => {
        quit();
        process.stderr.write(`tmux-orc top: ${err.message}\n`);
        process.exitCode = 1;
      });
    }, Math.max(50, Math.round(1000 / o.maxFps)));
    if (input.isTTY) input.setRawMode(true);
    input.on('data', onKey);
    input.resume();
    out.on('resize', onResize);
    process.once('SIGTERM', quit);
    process.once('SIGHUP', quit);
  });
  await tick();
  await done;
}
