/**
 * The wake-up half of a barrier: a `tmux wait-for` child kept open across poll ticks. It is only
 * a hint (the record in the tree is the truth), so a missing server just means polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { waitFor, waitForSignal } from '../tmux/argv.js';

/** The tmux wait-for channel of a barrier: per tree, so two trees on one server do not mix. */
export function channel(root: string, name: string): string {
  return `orc-barrier-${createHash('sha1').update(root).digest('hex').slice(0, 10)}-${name}`;
}

/** Wake every listener on `ch` (best effort: waiters poll anyway). */
export function ring(socket: string | undefined, ch: string): void {
  if (!socket) return;
  const child = spawn('tmux', ['-L', socket, ...waitForSignal(ch)], { stdio: 'ignore' });
  child.on('error', () => undefined);
}

/** A `tmux wait-for` child kept open across poll ticks; `next` resolves on a wake-up or the tick. */
export class Ear {
  private child?: ChildProcess;
  private woke = false;
  private broken = false;
  private listeners: Array<() => void> = [];
  constructor(private readonly socket: string | undefined, private readonly ch: string) {}

  private listen(): void {
    if (this.child || this.broken || !this.socket) return;
    const child = spawn('tmux', ['-L', this.socket, ...waitFor(this.ch)], { stdio: 'ignore' });
    this.child = child;
    child.on('error', () => (this.broken = true));
    child.on('exit', (code) => {
      this.child = undefined;
      if (code === 0) this.woke = true;
      else this.broken = true; // no server: poll only
      for (const f of this.listeners.splice(0)) f();
    });
  }

  next(ms: number, abort?: AbortSignal): Promise<void> {
    this.listen();
    if (this.woke) {
      this.woke = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', done);
        this.woke = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(ms, 0));
      abort?.addEventListener('abort', done, { once: true });
      this.listeners.push(done);
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
