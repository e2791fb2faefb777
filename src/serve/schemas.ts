/**
 * The request and response schemas of the HTTP API: requests are validated with them, and
 * /openapi.json is generated from them (openapi.ts), so the two cannot drift.
 */
import { z } from 'zod';

const STATES = ['queue', 'held', 'running', 'done', 'failed'] as const;

export const TaskIdParams = z.strictObject({ id: z.string().describe('task ID') });
export const AgentParams = z.strictObject({ name: z.string().describe('agent name') });
export const WorkerParams = z.strictObject({ host: z.string().describe('host name'), id: z.string().describe('worker ID') });
export const StopBody = z.strictObject({ now: z.boolean().optional().describe('cancel the current task and requeue it, then exit (default: drain, finish it first)') });
export const BarrierParams = z.strictObject({ name: z.string().describe('barrier name') });

export const ListQuery = z.strictObject({
  state: z.enum([...STATES, 'all']).optional().describe('one state, or all (default)'),
  label: z.string().optional().describe('only tasks with exactly this label'),
  agent: z.string().optional().describe("only this agent's turns (tmux-orc assign)"),
  q: z.string().optional().describe('only tasks whose ID, label or command contains this text (case-insensitive)'),
  status: z.string().optional().describe('only tasks with one of these statuses, comma-separated (e.g. delayed: scheduled and recurring tasks waiting for their next run)'),
  order: z.enum(['newest', 'dispatch']).optional().describe('newest first (default), or dispatch order within each state (queue, held, running, done, failed)'),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('page size (default 50)'),
  cursor: z.string().optional().describe("the previous page's `next`"),
});

export const LogQuery = z.strictObject({
  stream: z.enum(['out', 'err']).optional().describe('stdout (default) or stderr'),
  tail: z.coerce.number().int().min(1).max(100_000).optional().describe('the last N lines (default 200)'),
});

export const AgentQuery = z.strictObject({
  lines: z.coerce.number().int().min(0).max(500).optional().describe('last screen lines to include (default 20)'),
});

/** `POST /api/tasks`: the options of `tasks-enqueue`, with `cmd` (a shell line) or `argv` (exact words). */
export const EnqueueBody = z.strictObject({
  cmd: z.string().optional().describe('a shell command line, run with bash -c as is'),
  argv: z.array(z.string()).optional().describe('the exact words to run (each shell-quoted)'),
  id: z.string().optional().describe('task ID (default: generated, sortable by time)'),
  cwd: z.string().optional().describe("absolute directory to run in (default: the server's)"),
  env: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional().describe('NAME=value strings, or an object'),
  priority: z.number().int().optional().describe('higher runs first, -1000..1000'),
  after: z.union([z.array(z.string()), z.string()]).optional().describe('task IDs that must be done first (array or comma-separated)'),
  at: z.string().optional().describe('not before this time (14:30, 2026-12-01T09:00Z, @epoch)'),
  in: z.string().optional().describe('not before this long from now (30s, 10m)'),
  timeout: z.string().optional().describe('kill it after this long'),
  retries: z.number().int().optional().describe('retry a failure this many times'),
  backoff: z.string().optional().describe('first retry delay, doubling (default 1s)'),
  label: z.string().optional().describe('free-form label'),
  every: z.string().optional().describe('recur: queue it again this long after each run'),
  afterAny: z.union([z.array(z.string()), z.string()]).optional().describe('task IDs of which one must have finished first, however it ended'),
  hold: z.boolean().optional().describe('queue it held: it runs once released (tasks-release)'),
  unique: z.string().optional().describe('refused (409) while a task with this key is queued, held or running'),
  onFinish: z.string().optional().describe('a command run after it ends, with TASK_ID, TASK_STATUS, TASK_EXIT_CODE… set'),
  group: z.string().optional().describe('the group whose limit and pause it follows (tmux-orc group)'),
  lock: z.string().optional().describe('hold this named lock while it runs'),
  agent: z.string().optional().describe("a turn for this agent (as tasks-enqueue --agent): `cmd` (or `argv`, joined by spaces) is its text; cwd, env, label, every, afterAny, hold, unique, onFinish, group and lock do not apply"),
});

const list = z.union([z.array(z.string()), z.string()]);

/** `POST /api/agents/:name/tasks`: the options of `tmux-orc assign`. */
export const AssignBody = z.strictObject({
  text: z.string().describe('what to do: typed into the agent when it is idle, with the line telling it how to report (tmux-orc done)'),
  id: z.string().optional().describe('task ID (default: generated, sortable by time)'),
  priority: z.number().int().optional().describe('higher is delivered first, -1000..1000'),
  after: list.optional().describe('deliver once these task IDs (shell tasks or agent turns) are done (array or comma-separated)'),
  at: z.string().optional().describe('not before this time (14:30, 2026-12-01T09:00Z, @epoch)'),
  in: z.string().optional().describe('not before this long from now (30s, 10m)'),
  timeout: z.string().optional().describe('fail it (reason timeout) this long after it is handed to the agent; the agent gets Escape'),
  retries: z.number().int().optional().describe('a failed, timed-out or undeliverable turn is queued again this many times'),
  backoff: z.string().optional().describe('first retry delay, doubling (default 1s)'),
  doneOnIdle: z.union([z.string(), z.literal(true)]).optional().describe('settle it as done when the agent, after being busy, stays idle this long (true: 30s)'),
});

export const MessageBody = z.strictObject({
  text: z.string().describe('the message; multi-line text arrives as one message'),
  from: z.string().optional().describe('sender shown to the receiver'),
});

/** The body of POSTs that take none: empty, or `{}`. */
export const NoBody = z.strictObject({});

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('usage, not-found, conflict, unauthorized, forbidden, too-large, … (README "Exit codes" names the shared ones)'),
    message: z.string(),
  }),
});

export const TaskRowSchema = z.object({
  id: z.string(),
  state: z.enum(STATES),
  status: z.string().describe('done, failed, timeout, cancelled, …, or a queued task\'s wait: ready, paused, delayed, waiting; held; invalid'),
  attempt: z.number(),
  runs: z.number().optional(),
  exit: z.number().optional(),
  signal: z.string().optional(),
  reason: z.string().optional(),
  worker: z.string().optional(),
  label: z.string().optional(),
  agent: z.string().optional().describe("the agent a turn is for (tmux-orc assign); absent for a shell task"),
  note: z.string().optional().describe("an agent's one-line report of its turn (tmux-orc done)"),
  group: z.string().optional(),
  priority: z.number(),
  enqueued: z.string().optional(),
  due: z.string().optional(),
  started: z.string().optional(),
  finished: z.string().optional(),
  ageMs: z.number().describe('ms since it entered its state (enqueue, start or finish)'),
  cmd: z.string(),
});

export const TaskDetailSchema = TaskRowSchema.extend({
  cwd: z.string().optional(),
  env: z.array(z.string()),
  after: z.array(z.string()),
  timeout: z.string().optional(),
  retries: z.number(),
  backoff: z.string(),
  every: z.string().optional(),
});

/** What a POST that queues answers: the task, and why no dispatcher could be started for an agent's turn (it is queued all the same). */
export const QueuedSchema = TaskDetailSchema.extend({
  warning: z.string().optional().describe("an agent's turn: why its session's dispatcher could not be started (the turn is queued; run tmux-orc agent dispatch)"),
});

export const StatsSchema = z.object({
  counts: z.record(z.enum(STATES), z.number()),
  finishedPerMinute: z.array(z.number()).describe('tasks finished (done or failed) in each of the last 60 minutes, oldest first'),
  failedPerMinute: z.array(z.number()).describe('of which failed'),
  latencyMs: z.number().optional().describe('age of the oldest runnable task (due, no dependencies left), from when it became due; absent when none is'),
  readOnly: z.boolean(),
});

export const TaskPage = z.object({
  tasks: z.array(TaskRowSchema),
  next: z.string().optional().describe('cursor of the next page; absent on the last'),
  counts: z.record(z.enum(STATES), z.number()).describe('tasks per state in the whole tree'),
});

/** An agent as `GET /api/agents` lists it (the record, as `agent list --json`, has more fields). */
export const AgentSchema = z.looseObject({
  name: z.string(),
  role: z.string(),
  status: z.looseObject({ state: z.string(), reason: z.string() }).optional().describe('as last observed'),
  task: z.string().optional().describe('the ID of the turn it holds (its work queue, tmux-orc assign), as agent status --json; absent: none'),
  queued: z.number().describe('its turns waiting in the queue (ready, delayed or waiting on others), as agent status --json'),
  turn: z.object({
    id: z.string(),
    text: z.string().describe('the first line of its text'),
    delivered: z.boolean().describe('typed into the agent already'),
  }).optional().describe('the turn it holds, in short'),
});
