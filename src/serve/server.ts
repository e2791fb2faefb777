/**
 * `tmux-orc serve`: build the context over a checked tree, load the index, start the watchers,
 * and listen. Binds loopback unless told otherwise; a port in use is one line and exit 4.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { fail, isErrno } from '../errors.js';
import { checkSafe } from '../queue/trust.js';
import { treeStore } from '../queue/store.js';
import type { Tree } from '../queue/tree.js';
import { EventLog } from './events.js';
import { TaskIndex, type IndexOptions } from './task-index.js';
import { AgentWatch, WorkerWatch } from './observers.js';
import { makeMetrics } from './metrics.js';
import { makeApp, type RawHandler } from './app.js';
import { allowedHosts, type GuardOptions } from './guard.js';
import { loadOrMakeToken } from './token.js';
import type { ServeContext } from './context.js';
import type { Row } from './task-entry.js';

/** A row as events carry it: no negative age from clock rounding. */
const taskView = (row: Row) => ({ ...row, ageMs: Math.max(0, row.ageMs) });

export interface ServeOptions {
  tree: Tree;
  host: string;
  /** 0: any free port. */
  port: number;
  readOnly: boolean;
  /** tmux socket (TMUX_SOCKET) for barriers and the session view. */
  socket: string;
  /** Raw handlers mounted at a path after the gate (the MCP endpoint: `{ '/mcp': handler }`). */
  mounts?: Record<string, RawHandler>;
  index?: IndexOptions;
}

export interface Running {
  url: string;
  port: number;
  token: string;
  tokenFile: string;
  ctx: ServeContext;
  close(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<Running> {
  const t = o.tree;
  const { token, file: tokenFile } = loadOrMakeToken(t.root);
  const events = new EventLog();
  const index = new TaskIndex(t, o.index);
  const workers = new WorkerWatch(t, events);
  const agents = new AgentWatch(t.root, events);
  const ctx: ServeContext = { tree: t, store: treeStore(t), index, events, workers, agents, socket: o.socket, readOnly: o.readOnly, checkTree: () => checkSafe(t) };
  index.onChange((changes) => {
    for (const c of changes) events.publish('task', { id: c.id, state: c.state ?? 'gone', status: c.status, from: c.from, task: c.row && taskView(c.row) });
    if (changes.some((c) => c.state === 'running' || c.from?.state === 'running')) workers.lookSoon();
  });
  await index.start();
  workers.start();
  agents.start();
  const guard: GuardOptions = { token, hosts: new Set(), cookie: () => `tmux-orc-${port}` };
  let port = o.port;
  const app = makeApp(ctx, guard, makeMetrics(index, workers, agents), o.mounts);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      if (isErrno(err, 'EADDRINUSE')) reject(fail('conflict', `port ${o.port} on ${o.host} is in use (another server? choose a free one with --port)`));
      else if (isErrno(err, 'EACCES')) reject(fail('failed', `port ${o.port} on ${o.host} needs privileges (use a port above 1023)`));
      else if (isErrno(err, 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN')) reject(fail('usage', `--host ${o.host} is not an address of this machine`));
      else reject(err);
    });
    server.listen(o.port, o.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  for (const h of allowedHosts(o.host, port)) guard.hosts.add(h);
  const shown = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    token,
    tokenFile,
    ctx,
    close: async () => {
      index.close();
      workers.close();
      agents.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
