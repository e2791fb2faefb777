/**
 * Wake-ups for an idle worker: chokidar events on queue/ (an enqueue is seen within
 * milliseconds), timers, and signals. Events are only hints (DESIGN invariant 7): the worker
 * also rescans on a timer, and `--poll` turns the watcher off for network filesystems.
 */
import path from 'node:path';

export interface Waker {
  /** Resolves at the first wake-up after it is called, or after `ms`. */
  wait(ms: number): Promise<'event' | 'timer'>;
  /** Wake the current wait (signals, our own requeues). */
  poke(): void;
  close(): Promise<void>;
}

export async function watchQueue(dir: string, onAdd: (name: string) => void, poll: boolean): Promise<Waker> {
  let wake: ((why: 'event' | 'timer') => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.('event');
  };
  let close = async () => {};
  if (!poll) {
    const { watch } = await import('chokidar');
    const watcher = watch(dir, { ignoreInitial: true, depth: 0, persistent: true });
    watcher.on('add', (p: string) => {
      onAdd(path.basename(p));
      poke();
    });
    await new Promise<void>((r) => watcher.once('ready', () => r()));
    close = () => watcher.close();
  }
  return {
    wait(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve('timer');
        }, Math.max(0, ms));
        wake = (why) => {
          clearTimeout(timer);
          resolve(why);
        };
      });
    },
    poke,
    close: () => close(),
  };
}
