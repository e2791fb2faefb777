/**
 * The Redis backend's entry, built as dist/redis.js and loaded only when a backend is named
 * (src/cli/context.ts loadRedis): BullMQ and ioredis stay out of the tree's start-up.
 */
export { redisStore } from './store.js';
export { startRedisWorker } from './worker-main.js';
export { redisTurns } from './agent-queue.js';
export { turnCommands } from './agent-commands.js';
