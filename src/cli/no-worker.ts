/**
 * "Queued; no worker is running": said once by the commands that wait for a task to run
 * (`tasks-enqueue --wait`, `tasks-tail -f`), so that a wait nobody will end is not silent.
 */
import type { Store } from '../store/store.js';

/** A check to call while waiting: the first time no live worker is registered, `say` is called; never again. */
export function noWorkerNotice(store: Store, say: (line: string) => void): () => Promise<void> {
  let told = false;
  let checking = false;
  return async () => {
    if (told || checking) return;
    checking = true;
    try {
      if ((await store.workers()).some((w) => w.alive)) return;
      told = true;
      say(`tmux-orc: queued; no worker is running on ${store.where}: start one with tmux-orc tasks-start (in a session) or tmux-orc worker`);
    } finally {
      checking = false;
    }
  };
}
