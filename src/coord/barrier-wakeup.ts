/**
 * The wake-up half of a barrier: `tmux wait-for` channels, signalled on every change and listened
 * on by waiters between poll ticks. Only a hint (the record in the tree is the truth), so a
 * missing server just means polling.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { waitFor, waitForSignal } from '../tmux/argv.js';
import { tmuxClient } from '../tmux/client.js';

/** The tmux wait-for channel of a barrier: per tree, so two trees on one server do not mix. */
export function channel(root: string, name: string): string {
  return `orc-barrier-${createHash('sha1').update(root).digest('hex').slice(0, 10)}-${name}`;
}

/** Wake every listener on `ch` (best effort: waiters poll anyway). */
export function wakeWaiters(socket: string | undefined, ch: string): void {
  if (!socket) return;
  tmuxClient(socket).start(waitForSignal(ch)).on('error', () => undefined);
}

/** A `tmux wait-for` child kept open across poll ticks; `next` resolves on a wake-up or the tick. */
export class WakeListener {
  private child?: ChildProcess;
  private woke = false;
  private broken = false;
  private listeners: Array<() => void> = [];
  constructor(private readonly socket: string | undefined, private readonly ch: string) {}

  private listen(): void {
    if (this.child || this.broken || !this.socket) return;
    const child = tmuxClient(this.socket).start(waitFor(this.ch));
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
