/**
 * How long a worker's or a dispatcher's lock on a job lasts on the Redis backend
 * (TMUX_ORC_LOCK_MS, default 30 s, at least 2 s): a job outlives its silent holder by less than
 * this. A module of its own, without BullMQ, so the dispatcher can know it without loading Redis.
 */
export function lockMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.TMUX_ORC_LOCK_MS);
  return Number.isFinite(v) && v >= 2000 ? v : 30_000;
}
