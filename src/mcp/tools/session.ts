/** The session and coordination tools: the library calls of `status` and `barrier-signal`. */
import { z } from 'zod';
import { barrierSignal, checkBarrierName } from '../../coord/barrier.js';
import { config } from '../../config.js';
import { existingRoot } from '../../root.js';
import { sessionContext } from '../../session/context.js';
import { status } from '../../session/status.js';
import { tool } from '../tool.js';

export const sessionTools = [
  tool({
    name: 'session_status',
    title: 'Session status',
    description: 'Every pane of the tmux session: target, pane id, title, command, alive or dead, and what the worker in a worker pane is doing (as status --json).',
    mutating: false,
    input: {},
    run: async (_a, ctx) => status(sessionContext(ctx.env), existingRoot({ root: ctx.root }).root),
  }),
  tool({
    name: 'barrier_signal',
    title: 'Signal a barrier',
    description: 'Signal barrier NAME: release every barrier-wait on it, or keep the signal for the next waiter when nobody waits.',
    mutating: true,
    input: { name: z.string().describe('barrier name ([A-Za-z0-9][A-Za-z0-9._-]*)') },
    run: async (a, ctx) => {
      checkBarrierName(a.name);
      return { name: a.name, ...(await barrierSignal({ root: existingRoot({ root: ctx.root }).root, socket: config(ctx.env).socket }, a.name)) };
    },
  }),
];
