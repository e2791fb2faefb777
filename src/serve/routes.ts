/**
 * The REST API as one table: each route's method, path, schemas and a thin handler that calls
 * the library functions the CLI commands call. app.ts registers them with the router and
 * openapi.ts documents them from the same schemas.
 */
import path from 'node:path';
import { z } from 'zod';
import type { Context } from 'hono';
import { fail } from '../errors.js';
import { idProblem } from '../queue/task.js';
import { taskDetail } from '../queue/detail.js';
import { commandLine, specFromArgs, turnFromArgs } from '../cli/commands/tasks/enqueue-args.js';
import { durationOpt } from '../cli/commands/agents/common.js';
import { assign, DONE_ON_IDLE_DEFAULT, type AssignRequest } from '../agents/assign.js';
import { checkCwd } from '../cli/commands/tasks/enqueue.js';
import { listAgents, requireAgent } from '../agents/registry.js';
import { agentStatus } from '../agents/observe.js';
import { screenLines } from '../agents/screen.js';
import { sendMessage } from '../agents/send.js';
import { barrierSignal } from '../coord/barrier.js';
import { sessionContext } from '../session/context.js';
import { status as sessionStatus } from '../session/status.js';
import { stopWorker } from '../session/tasks.js';
import { stats } from './stats.js';
import * as S from './schemas.js';
import { page } from './list-page.js';
import { agentQueues, queueFields } from './agent-queues.js';
import { sseResponse } from './sse.js';
import type { ServeContext } from './context.js';

/** What a handler gets: the validated parts of the request. */
export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface Route<P = any, Q = any, B = any> {
  method: 'get' | 'post';
  /** Router syntax (`/api/tasks/:id`). */
  path: string;
  summary: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Refused in --read-only. */
  write?: boolean;
  /** The success status and what it carries (for the document; JSON unless `type` says). */
  ok: { status: 200 | 201; type?: 'json' | 'text' | 'sse'; schema?: z.ZodType; description: string };
  handle(ctx: ServeContext, input: Input<P, Q, B>, c: Context): unknown;
}

const route = <P, Q, B>(r: Route<P, Q, B>): Route<P, Q, B> => r;

function checkId(id: string): string {
  const bad = idProblem(id);
  if (bad) throw fail('usage', bad);
  return id;
}

function detailOr404(ctx: ServeContext, id: string) {
  const d = taskDetail(ctx.tree, checkId(id));
  if (!d) throw fail('not-found', `no task ${id}`);
  return d;
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** `POST /api/tasks`: the body as `tasks-enqueue` arguments, then the same spec builder and store. */
async function enqueue(ctx: ServeContext, b: z.infer<typeof S.EnqueueBody>) {
  if ((b.cmd === undefined) === (b.argv === undefined)) throw fail('usage', 'give "cmd" (a shell command line) or "argv" (the words to run), not both and not neither');
  if (b.argv?.length === 0) throw fail('usage', '"argv" is empty: give the words to run');
  const now = Date.now();
  const env = b.env === undefined ? undefined : Array.isArray(b.env) ? b.env : Object.entries(b.env).map(([k, v]) => `${k}=${v}`);
  // As tasks-enqueue --agent: the words are the turn's text, joined as typed.
  if (b.agent !== undefined) return queueTurn(ctx, { agent: b.agent, ...turnFromArgs({ ...b, env, after: list(b.after), afterAny: list(b.afterAny) }, b.cmd ?? b.argv!.join(' '), now) });
  const cmd = b.cmd ?? commandLine(b.argv!);
  if (b.cwd !== undefined && !path.isAbsolute(b.cwd)) throw fail('usage', `"cwd" must be an absolute path, got ${JSON.stringify(b.cwd)}`);
  const spec = specFromArgs({ ...b, env, after: list(b.after), afterAny: list(b.afterAny) }, cmd, process.cwd(), now);
  checkCwd(spec.cwd);
  const id = await ctx.store.enqueue(spec, { now });
  return detailOr404(ctx, id);
}

/** `POST /api/agents/:name/tasks`: the body as `assign` options, checked as `tasks-enqueue --agent` checks them. */
function assignBody(agent: string, b: z.infer<typeof S.AssignBody>): AssignRequest {
  const { text, doneOnIdle, ...opts } = b;
  const turn = turnFromArgs({ ...opts, after: list(opts.after) }, text, Date.now());
  const doneOnIdleMs = doneOnIdle === undefined ? undefined : durationOpt('done-on-idle', doneOnIdle === true ? DONE_ON_IDLE_DEFAULT : doneOnIdle, 0);
  return { agent, ...turn, doneOnIdleMs };
}

/** Queue an agent's turn with the library function `assign` calls (unknown agent: 404); the task, and a warning when no dispatcher could be started. */
async function queueTurn(ctx: ServeContext, req: AssignRequest) {
  const { id, warning } = await assign(ctx.tree.root, req);
  return { ...detailOr404(ctx, id), ...(warning === undefined ? {} : { warning }) };
}

export const ROUTES: Route[] = [
  route({
    method: 'get',
    path: '/api/tasks',
    summary: 'List tasks, a page at a time (newest first, or dispatch order)',
    query: S.ListQuery,
    ok: { status: 200, schema: S.TaskPage, description: 'one page of tasks' },
    handle: (ctx, { query }) => page(ctx.index, query),
  }),
  route({
    method: 'post',
    path: '/api/tasks',
    summary: 'Queue a task (the options of tasks-enqueue)',
    body: S.EnqueueBody,
    write: true,
    ok: { status: 201, schema: S.QueuedSchema, description: 'the task as queued' },
    handle: (ctx, { body }) => enqueue(ctx, body),
  }),
  route({
    method: 'get',
    path: '/api/stats',
    summary: 'Counts per state, tasks finished per minute over the last hour, queue latency (the dashboard header)',
    ok: { status: 200, schema: S.StatsSchema, description: 'the figures' },
    handle: (ctx) => stats(ctx.index, ctx.readOnly),
  }),
  route({
    method: 'post',
    path: '/api/tasks/retry-failed',
    summary: 'Put every failed task back in the queue, each with a fresh attempt (tasks-retry --all-failed)',
    body: S.NoBody,
    write: true,
    ok: { status: 200, schema: z.object({ retried: z.array(z.string()) }), description: 'the IDs queued again' },
    handle: async (ctx) => ({ retried: await ctx.store.retryAllFailed() }),
  }),
  route({
    method: 'get',
    path: '/api/tasks/:id',
    summary: 'One task in full',
    params: S.TaskIdParams,
    ok: { status: 200, schema: S.TaskDetailSchema, description: 'the task' },
    handle: (ctx, { params }) => detailOr404(ctx, params.id),
  }),
  route({
    method: 'get',
    path: '/api/tasks/:id/log',
    summary: "The last lines of a task's stdout or stderr log",
    params: S.TaskIdParams,
    query: S.LogQuery,
    ok: { status: 200, type: 'text', description: 'the log lines (text/plain)' },
    handle: async (ctx, { params, query }, c) => {
      let text = '';
      await ctx.store.tail(checkId(params.id), { stream: query.stream ?? 'out', lines: query.tail ?? 200, follow: false, write: (s) => (text += s) });
      return c.text(text, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
    },
  }),
  route({
    method: 'post',
    path: '/api/tasks/:id/cancel',
    summary: 'Cancel a queued task, or kill a running one (it ends in failed/ as cancelled)',
    params: S.TaskIdParams,
    body: S.NoBody,
    write: true,
    ok: { status: 200, schema: z.object({ id: z.string(), outcome: z.string(), task: S.TaskDetailSchema }), description: 'how it was cancelled, and the task now' },
    handle: async (ctx, { params }) => {
      const outcome = await ctx.store.cancel(checkId(params.id));
      return { id: params.id, outcome, task: detailOr404(ctx, params.id) };
    },
  }),
  route({
    method: 'post',
    path: '/api/tasks/:id/retry',
    summary: 'Put a failed task back in the queue with a fresh attempt',
    params: S.TaskIdParams,
    body: S.NoBody,
    write: true,
    ok: { status: 200, schema: S.TaskDetailSchema, description: 'the task, queued again' },
    handle: async (ctx, { params }) => {
      await ctx.store.retry(checkId(params.id));
      return detailOr404(ctx, params.id);
    },
  }),
  route({
    method: 'get',
    path: '/api/workers',
    summary: 'Registered workers and what each runs',
    ok: { status: 200, description: 'the workers (as tasks-health --json lists them)' },
    handle: async (ctx) => ({ workers: await ctx.store.workers() }),
  }),
  route({
    method: 'post',
    path: '/api/workers/:host/:id/stop',
    summary: "Stop a worker of this host: drain (finish its task, then exit), or with now, cancel its task, requeue it and exit",
    params: S.WorkerParams,
    body: S.StopBody,
    write: true,
    ok: { status: 200, schema: z.object({ pid: z.number(), result: z.enum(['draining', 'cancelling']), task: z.string().optional() }), description: 'the signal was sent' },
    handle: (ctx, { params, body }) => stopWorker(ctx.tree.root, params.host, params.id, body.now === true),
  }),
  route({
    method: 'get',
    path: '/api/agents',
    summary: "The agents, each one's last observed state, and its work queue (the turn it holds, how many wait)",
    ok: { status: 200, schema: z.object({ agents: z.array(S.AgentSchema) }), description: 'the agents' },
    handle: async (ctx) => {
      const states = await ctx.agents.fresh();
      const queues = agentQueues(ctx.index);
      return { agents: listAgents(ctx.tree.root).map((rec) => ({ ...rec, status: states.get(rec.name), ...queueFields(queues.get(rec.name)) })) };
    },
  }),
  route({
    method: 'get',
    path: '/api/agents/:name',
    summary: 'One agent: its state and reason, its work queue, and the last lines on its screen',
    params: S.AgentParams,
    query: S.AgentQuery,
    ok: { status: 200, schema: S.AgentSchema.extend({ screen: z.array(z.string()) }), description: 'the agent' },
    handle: async (ctx, { params, query }) => {
      const rec = requireAgent(ctx.tree.root, params.name);
      const status = await agentStatus(ctx.tree.root, rec);
      const queue = queueFields(agentQueues(ctx.index, rec.name).get(rec.name));
      return { ...rec, status, ...queue, screen: await screenLines(rec, query.lines ?? 20).catch(() => []) };
    },
  }),
  route({
    method: 'post',
    path: '/api/agents/:name/tasks',
    summary: 'Queue a turn for an agent, as `tmux-orc assign` does: typed into it when it is idle, one at a time',
    params: S.AgentParams,
    body: S.AssignBody,
    write: true,
    ok: { status: 201, schema: S.QueuedSchema, description: 'the turn, a task of the tree (GET /api/tasks?agent=NAME lists them)' },
    handle: (ctx, { params, body }) => queueTurn(ctx, assignBody(params.name, body)),
  }),
  route({
    method: 'post',
    path: '/api/agents/:name/messages',
    summary: 'Send a message to an agent (one paste, Enter, confirmed), as `send` does',
    params: S.AgentParams,
    body: S.MessageBody,
    write: true,
    ok: { status: 200, schema: z.object({ delivered: z.boolean(), pane: z.string(), enters: z.number() }), description: 'delivered' },
    handle: async (ctx, { params, body }) => {
      requireAgent(ctx.tree.root, params.name);
      const d = await sendMessage(ctx.tree.root, params.name, body.text, { from: body.from });
      return { delivered: true, pane: d.pane, enters: d.enters };
    },
  }),
  route({
    method: 'get',
    path: '/api/session',
    summary: "The session's panes and what each worker pane is doing, as `status` shows",
    ok: { status: 200, description: 'the panes' },
    handle: async (ctx) => ({ panes: await sessionStatus(sessionContext(process.env), ctx.tree.root) }),
  }),
  route({
    method: 'post',
    path: '/api/barriers/:name/signal',
    summary: 'Signal a barrier: release its waiters, or keep the signal for the next one',
    params: S.BarrierParams,
    body: S.NoBody,
    write: true,
    ok: { status: 200, schema: z.object({ released: z.number(), pending: z.number() }), description: 'what the signal did' },
    handle: (ctx, { params }) => barrierSignal({ root: ctx.tree.root, socket: ctx.socket }, params.name),
  }),
  route({
    method: 'get',
    path: '/api/events',
    summary: 'Server-sent events: task, worker and agent state changes as they happen (resume with Last-Event-ID)',
    ok: { status: 200, type: 'sse', description: 'text/event-stream; events `task`, `worker`, `agent`, `hello` on connect, `reset` when the given Last-Event-ID cannot be resumed from' },
    handle: (ctx, _input, c) => sseResponse(ctx, c),
  }),
];
