/**
 * `GET /api/events`: the event log as server-sent events. A client that reconnects sends
 * `Last-Event-ID` and gets the events it missed first; when that ID cannot be resumed from (the
 * server restarted, or it is too old) it gets a `reset` event and should reload its state.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';
import type { OrcEvent } from './events.js';
import type { ServeContext } from './context.js';

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export function sseResponse(ctx: ServeContext, c: Context): Response {
  const lastId = c.req.header('last-event-id');
  return streamSSE(c, async (stream) => {
    // One write at a time, in order: writeSSE is asynchronous.
    let chain = Promise.resolve();
    const queue = (msg: SSEMessage) => {
      chain = chain.then(() => stream.writeSSE(msg)).catch(() => {});
    };
    const send = (e: OrcEvent) => queue({ id: e.id, event: e.type, data: e.json });
    // Replay and subscribe in one synchronous step: no event can fall between the two.
    const missed = lastId === undefined ? undefined : ctx.events.since(lastId);
    const unsubscribe = ctx.events.subscribe(send);
    if (missed?.kind === 'reset') queue({ id: ctx.events.lastId(), event: 'reset', data: JSON.stringify({ reason: `cannot resume from ${lastId}: reload the state` }) });
    else if (missed) missed.events.forEach(send);
    else queue({ id: ctx.events.lastId(), event: 'hello', data: JSON.stringify({ readOnly: ctx.readOnly }) });
    const keepalive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => {}), KEEPALIVE_MS);
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    clearInterval(keepalive);
    unsubscribe();
  });
}
