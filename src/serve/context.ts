/** What every handler is given: the tree and its store, the index, the event log, the watchers, the mode. */
import type { Tree } from '../queue/tree.js';
import type { Store } from '../store/store.js';
import type { EventLog } from './events.js';
import type { AgentWatch, WorkerWatch } from './observers.js';
import type { TaskIndex } from './task-index.js';

export interface ServeContext {
  tree: Tree;
  store: Store;
  index: TaskIndex;
  events: EventLog;
  workers: WorkerWatch;
  agents: AgentWatch;
  /** tmux socket of the session (TMUX_SOCKET), for barriers' wake-ups and the session view. */
  socket: string;
  /** `--read-only`: every write is refused (403); mounted handlers are told so too. */
  readOnly: boolean;
  /** Re-check the tree's trust before a write (DESIGN invariant 6): OrcError 'unsafe-tree' when it fails. */
  checkTree(): void;
}
