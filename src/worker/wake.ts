/**
 * Wake-ups for an idle worker: directory events on queue/ (an enqueue is seen within
 * milliseconds), timers, and signals. Events are only hints (DESIGN invariant 7): the worker
 * also rescans on a timer, and `--poll` turns the watcher off for network filesystems.
 *
 * The watch is one `fs.watch` (one inotify watch) on the queue directory itself. chokidar was
 * used here first, but it also watches every file it sees: with 100,000 queued tasks a worker
 * took 12 s and 480 MB to start and then ran ~2 tasks/s at 1.9 GB, and a watcher of a file
 * added during `close()` kept the process alive after `--until-empty` (README, Performance).
 * A wake-up only needs to know that a name appeared in the directory.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Waker {
  /** Resolves at the first wake-up after it is called, or after `ms`. */
  wait(ms: number): Promise<'event' | 'timer'>;
  /** Wake the current wait (signals, our own requeues). */
  poke(): void;
  close(): Promise<void>;
}

/** What events are told to: the worker's view of queue/. */
export interface Names {
  has(name: string): boolean;
  add(name: string): void;
  /** The file changed or left: what was read from it is stale. */
  forget(name: string): void;
}

export async function watchQueue(dir: string, names: Names, poll: boolean): Promise<Waker> {
  let wake: ((why: 'event' | 'timer') => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.('event');
  };
  let watcher: fs.FSWatcher | undefined;
  if (!poll) {
    watcher = fs.watch(dir, { persistent: true }, (event, name) => {
      // 'rename' is a name appearing or leaving; only an arrival matters. A name the view holds
      // is almost always leaving (claimed by another worker: every worker sees every claim), so
      // it is not looked up, only re-read if the worker gets to it. Any other name is looked up.
      // No name: the timer rescan covers it.
      if (event !== 'rename' || !name) return;
      const file = typeof name === 'string' ? name : String(name);
      if (names.has(file)) return names.forget(file);
      if (!fs.existsSync(path.join(dir, file))) return;
      names.add(file);
      poke();
    });
    // A watch that breaks (queue/ removed, inotify limits) leaves the worker on its rescan timer.
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
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
    close: async () => {
      watcher?.close();
      watcher = undefined;
    },
  };
}
