/**
 * The Redis backend's address and connection: `--backend redis://[user:pass@]host:port[/db]`
 * (`rediss://` for TLS), `$TASK_BACKEND`, and the queue's name (`?queue=NAME`, default
 * `tmux-orc`). A connection that cannot be made within the connect timeout fails with one
 * line (exit 10), never a hang: every command says so at once when Redis is down.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { fail } from '../errors.js';

export interface Backend {
  url: string;
  /** What commands print as where the tasks are (the URL without its password). */
  where: string;
  queue: string;
  options: RedisOptions;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The backend a URL names; throws OrcError('usage') saying what is wrong with it. */
export function parseBackend(url: string): Backend {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw fail('usage', `bad backend ${JSON.stringify(url)}: expected redis://host:port[/db] or rediss://…`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw fail('usage', `bad backend ${JSON.stringify(url)}: only redis:// and rediss:// are supported`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw fail('usage', `bad backend ${JSON.stringify(url)}: the path must be a database number (redis://host:port/0)`);
  const queue = u.searchParams.get('queue') ?? 'tmux-orc';
  if (!QUEUE_NAME.test(queue)) throw fail('usage', `bad backend ${JSON.stringify(url)}: queue= must be 1-64 of A-Z a-z 0-9 . _ -`);
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', // an IPv6 address comes in brackets
    port: u.port ? Number(u.port) : 6379,
    db: db === '' ? 0 : Number(db),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 3000,
    lazyConnect: true,
    // BullMQ needs commands to wait through a reconnect instead of failing after N retries.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  };
  const safe = new URL(u.href);
  safe.password = safe.password ? '***' : '';
  return { url, where: safe.href, queue, options };
}

/** Connect, or fail within the connect timeout with one line (exit 10). */
export async function connect(b: Backend, timeoutMs = 3000): Promise<Redis> {
  const client = new Redis({ ...b.options, retryStrategy: (times) => Math.min(times * 200, 2000) });
  // Until the first connection, errors are this function's to report; after it, ioredis
  // reconnects on its own and commands wait (maxRetriesPerRequest: null).
  let last: Error | undefined;
  const note = (err: Error) => (last = err);
  client.on('error', note);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (err) {
    client.disconnect();
    const why = last ?? (err as Error);
    const code = (why as NodeJS.ErrnoException).code;
    const tls = b.options.tls && !last ? ' (no TLS handshake: is that port plain redis://?)' : '';
    throw fail('unreachable', `cannot reach Redis at ${b.where}: ${code === 'ECONNREFUSED' ? 'connection refused (is redis-server running there?)' : why.message}${tls}`);
  } finally {
    clearTimeout(timer);
  }
  client.off('error', note);
  // ioredis selects the database as it connects, and stays in 0 when the server refuses it
  // (out of its `databases`): asked again here, so tasks never land in the wrong one.
  if (b.options.db) {
    try {
      await client.select(b.options.db);
    } catch (err) {
      client.disconnect();
      throw fail('usage', `bad backend ${b.where}: database ${b.options.db}: ${(err as Error).message}`);
    }
  }
  client.on('error', () => {}); // later errors: ioredis reconnects, and commands wait for it
  return client;
}
