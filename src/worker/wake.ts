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

export async function watchQueue(dir: string, onAdd: (name: string) => void, poll: boolean): Promise<Waker> {
  let wake: ((why: 'event' | 'timer') => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.('event');
  };
  let watcher: fs.FSWatcher | undefined;
  if (!poll) {
    watcher = fs.watch(dir, { persistent: true }, (event, name) => {
      // 'rename' is a name appearing or leaving; only an arrival matters (a leaving name was
      // claimed by someone: the view learns that from ENOENT). No name: the timer rescan covers it.
      if (event !== 'rename' || !name) return;
      const file = typeof name === 'string' ? name : String(name);
      if (!fs.existsSync(path.join(dir, file))) return;
      onAdd(file);
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
