/** The environment settings of the seed, resolved once. Every default is documented in the README. */

export interface Config {
  socket: string;
  session: string;
  masterWindow: string;
  workersWindow: string;
  workers: number;
  historyLimit: number;
  remainOnExit: string;
  allowRename: string;
  layout: string;
}

export function config(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    socket: env.TMUX_SOCKET || 'claude',
    session: env.TMUX_SESSION || 'agents',
    masterWindow: env.MASTER_WINDOW || 'master',
    workersWindow: env.WORKERS_WINDOW || 'workers',
    workers: Number(env.WORKERS || 4),
    historyLimit: Number(env.TMUX_HISTORY_LIMIT || 50000),
    remainOnExit: env.TMUX_REMAIN_ON_EXIT || 'on',
    allowRename: env.TMUX_ALLOW_RENAME || 'off',
    layout: env.WORKER_LAYOUT || 'tiled',
  };
}
