/**
 * Wake-ups for an idle worker: directory events on queue/ (an enqueue is seen within
 * milliseconds), timers, and signals. Events are only hints (DESIGN invariant 7): the worker
 * also rescans on a timer, and `--poll` turns the watcher off for network filesystems.
 *
 * The watch is one `fs.watch` (one inotify watch) on the queue directory itself. A wake-up only
 * needs to know that a name appeared in the directory; chokidar (used here first) also watches
 * every file it sees, so a worker's start-up time and memory grew with the queue, and a watcher
 * of a file added during `close()` kept the process alive after `--until-empty`.
 *
 * Only an idle worker listens. inotify cannot be told to report arrivals only, so a listening
 * worker is woken by every claim any worker makes, which costs CPU on every task of a drain; a
 * busy worker does not need waking, so it closes the watch while it works. (bench/README.md,
 * history, has the figures of both choices.)
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Waker {
  /**
   * Start listening (a no-op when polling). True when it was not listening: what arrived
   * meanwhile was not heard, and the caller reads the directory.
   */
  listen(): boolean;
  /** Stop listening while busy. */
  pause(): void;
  /** Resolves at the first wake-up after it is called, or after `ms`. */
  wait(ms: number): Promise<'event' | 'timer'>;
  /** Wake the current wait (signals, our own requeues). */
  poke(): void;
  close(): void;
}

/** What events are told to: the worker's view of queue/. */
export interface Names {
  has(name: string): boolean;
  add(name: string): void;
  /** The file changed or left: what was read from it is stale. */
  forget(name: string): void;
}

export function watchQueue(dir: string, names: Names, poll: boolean): Waker {
  let wake: ((why: 'event' | 'timer') => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.('event');
  };
  let watcher: fs.FSWatcher | undefined;
  // A watch that cannot be made or breaks (queue/ removed, inotify limits) leaves the worker on
  // its rescan timer, as --poll does.
  let broken = poll;
  const pause = () => {
    watcher?.close();
    watcher = undefined;
  };
  const onEvent = (event: string, name: string | Buffer | null) => {
    // 'rename' is a name appearing or leaving; only an arrival matters. A name the view holds
    // is almost always leaving (claimed by another worker), so it is not looked up, only re-read
    // if the worker gets to it. Any other name is looked up. No name: the timer rescan covers it.
    if (event !== 'rename' || !name) return;
    const file = typeof name === 'string' ? name : String(name);
    if (names.has(file)) return names.forget(file);
    if (!fs.lstatSync(path.join(dir, file), { throwIfNoEntry: false })) return;
    names.add(file);
    poke();
  };
  const listen = () => {
    if (broken || watcher) return false;
    try {
      watcher = fs.watch(dir, { persistent: true }, onEvent).on('error', () => {
        broken = true;
        pause();
      });
    } catch {
      broken = true;
    }
    return true;
  };
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
    listen,
    pause,
    poke,
    close: pause,
  };
}
