/**
 * The task queue's tools: each maps its arguments onto the store verb the matching CLI command
 * calls (src/cli/commands/tasks/*), with the same checks and messages.
 */
import { z } from 'zod';
import { treeFrom } from '../../cli/context.js';
import { commandLine, specFromArgs } from '../../cli/commands/tasks/enqueue-args.js';
import { checkCwd } from '../../cli/commands/tasks/enqueue.js';
import { LIST_STATES } from '../../cli/commands/tasks/list.js';
import { fail, OrcError } from '../../errors.js';
import { taskDetail, type TaskDetail } from '../../queue/detail.js';
import { treeStore } from '../../queue/store.js';
import type { Tree } from '../../queue/tree.js';
import { idProblem } from '../../queue/task.js';
import { outcomeLine } from '../../queue/wait.js';
import { parseDuration } from '../../time.js';
import type { Store } from '../../store/store.js';
import { tool, type CallExtra, type McpContext } from '../tool.js';

/** A duration as the CLI takes it: text with a unit (30s, 5m, 1h30m) or a number of seconds. */
const duration = z.union([z.string(), z.number()]);
const taskId = z.string().describe('task ID, as enqueue_task or list_tasks gave it');

/** The same refusal the CLI gives a malformed ID (exit 2), before the tree is touched. */
function checkId(id: string): string {
  const bad = idProblem(id);
  if (bad) throw fail('usage', bad);
  return id;
}

/** The tree, checked (exists, trusted) on each call as the CLI checks it, and the store over it. */
const store = (ctx: McpContext): Store => treeStore(treeFrom({ root: ctx.root }));

/** One task in full (row and spec), as /api/tasks/:id shows it; not-found as the CLI says it. */
function requireTask(t: Tree, id: string): TaskDetail {
  const d = taskDetail(t, checkId(id));
  if (!d) throw fail('not-found', `no task ${id} in ${t.root}`);
  return d;
}

/** The last `lines` lines of a task's stdout and stderr logs. */
async function logTail(s: Store, id: string, lines: number): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  await s.tail(id, { stream: 'out', lines, follow: false, write: (t) => (stdout += t) });
  await s.tail(id, { stream: 'err', lines, follow: false, write: (t) => (stderr += t) });
  return { stdout, stderr };
}

/**
 * The default wait stays under the 60 s request timeout the SDK's clients use unless told otherwise,
 * so the answer comes back before the client gives up; a longer wait is for clients set for it.
 */
const WAIT_DEFAULT = '30s';
const WAIT_MAX_MS = 10 * 60_000;

export const taskTools = [
  tool({
    name: 'enqueue_task',
    title: 'Queue a shell task',
    description:
      'Queue a command for the worker panes to run; returns its ID at once (use wait_task for the result). ' +
      '`command` is a shell command line (a string, run with bash -c) or an argv array (each word quoted, run exactly). ' +
      'Durations take a unit (30s, 10m, 2h; a bare number is seconds).',
    mutating: true,
    input: {
      command: z.union([z.string(), z.array(z.string()).min(1)]).describe('shell command line, or argv array'),
      cwd: z.string().optional().describe('directory to run in (default: the MCP server\'s)'),
      id: z.string().optional().describe('task ID (default: generated, sortable by time); an existing ID is refused'),
      env: z.array(z.string()).optional().describe('NAME=value settings for the task'),
      priority: z.number().int().optional().describe('higher runs first, -1000..1000 (default 0)'),
      after: z.array(z.string()).optional().describe('task IDs that must be done first'),
      in: duration.optional().describe('start no earlier than this long from now'),
      at: z.string().optional().describe('start no earlier than this time (14:30, 2026-12-01T09:00Z, @epoch)'),
      timeout: duration.optional().describe('kill it after this long (SIGTERM, then SIGKILL)'),
      retries: z.number().int().optional().describe('retry a failure this many times, with exponential backoff'),
      backoff: duration.optional().describe('first retry delay, doubling each attempt (default 1s)'),
      label: z.string().optional().describe('free-form label (workers can be limited to one)'),
      every: duration.optional().describe('recur: after each run, queue it again one period later'),
      after_any: z.array(z.string()).optional().describe('task IDs that must have ended first, whatever their result'),
      hold: z.boolean().optional().describe('queue it held: no worker claims it until tasks-release'),
      unique: z.string().optional().describe('refused while a task with this key is queued, held or running'),
      group: z.string().optional().describe('run in this group: at most its limit at once across all workers'),
      lock: z.string().optional().describe('hold this named lock while it runs'),
      on_finish: z.string().optional().describe('a command run after it ends, with TASK_ID, TASK_STATUS, TASK_EXIT_CODE… set'),
    },
    run: async (a, ctx) => {
      const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));
      const words = typeof a.command === 'string' ? [a.command] : a.command;
      const { after_any: afterAny, on_finish: onFinish, ...rest } = a;
      const spec = specFromArgs({ ...rest, afterAny, onFinish, in: str(a.in), timeout: str(a.timeout), backoff: str(a.backoff), every: str(a.every) }, commandLine(words), process.cwd(), Date.now());
      checkCwd(spec.cwd);
      const id = await store(ctx).enqueue(spec);
      return { id, state: 'queue' };
    },
  }),
  tool({
    name: 'list_tasks',
    title: 'List tasks',
    description: 'Tasks of one state or all, in dispatch order: ID, state, status, attempt, exit code or reason, worker, label, command and times (as tasks-list --json).',
    mutating: false,
    input: {
      state: z.enum(LIST_STATES).default('all').describe('queue, running, done, failed or all'),
      limit: z.number().int().min(1).max(10_000).default(200).describe('at most this many rows (the first ones)'),
    },
    run: async (a, ctx) => {
      const rows = await store(ctx).list(a.state);
      return { total: rows.length, tasks: rows.slice(0, a.limit).map(({ file: _file, ...r }) => r) };
    },
  }),
  tool({
    name: 'get_task',
    title: 'Show a task',
    description: "One task's state, status, result and command, with the last lines of its stdout and stderr logs.",
    mutating: false,
    input: { id: taskId, lines: z.number().int().min(0).max(10_000).default(20).describe('log lines to show from each stream') },
    run: async (a, ctx) => {
      const t = treeFrom({ root: ctx.root });
      const d = requireTask(t, a.id);
      return { ...d, logs: await logTail(treeStore(t), d.id, a.lines) };
    },
  }),
  tool({
    name: 'wait_task',
    title: 'Wait for a task (bounded)',
    description:
      `Wait until a task ends, at most \`timeout\` (default ${WAIT_DEFAULT}, at most 10m), and return its outcome; ` +
      'at the timeout it returns the task as it is then (ended: false) instead of hanging: call it again to keep waiting. ' +
      'Exit codes as tasks-enqueue --wait: the task\'s own, 124 for a timeout, 128+N for signal N.',
    mutating: false,
    input: { id: taskId, timeout: duration.optional().describe('how long to wait at most (30s, 5m; a number is seconds)') },
    run: async (a, ctx, extra) => waitTask(treeFrom({ root: ctx.root }), a.id, a.timeout === undefined ? WAIT_DEFAULT : String(a.timeout), extra),
  }),
  tool({
    name: 'cancel_task',
    title: 'Cancel a task',
    description: 'Cancel a queued task, or kill a running one (its whole process group); it ends in failed/ as cancelled. Returns once it has ended cancelled.',
    mutating: true,
    destructive: true,
    input: { id: taskId },
    run: async (a, ctx) => {
      const how = await store(ctx).cancel(checkId(a.id));
      return { id: a.id, outcome: how, message: `${a.id} ${how.replace('cancelled-', 'cancelled (was ')})` };
    },
  }),
  tool({
    name: 'retry_task',
    title: 'Retry a failed task',
    description: 'Move a failed task back to the queue with a fresh attempt (earlier logs are kept); all_failed retries every failed task.',
    mutating: true,
    input: { id: taskId.optional(), all_failed: z.boolean().optional().describe('retry every failed task') },
    run: async (a, ctx) => {
      const s = store(ctx);
      if (a.all_failed) {
        if (a.id) throw fail('usage', 'give an ID or --all-failed, not both');
        return { retried: await s.retryAllFailed() };
      }
      if (!a.id) throw fail('usage', 'which task? give an ID, or --all-failed');
      await s.retry(checkId(a.id));
      return { retried: [a.id] };
    },
  }),
];

/** wait_task: the outcome, or the task as it is when the wait runs out; progress notifications while waiting when the client asked for them. */
async function waitTask(t: Tree, id: string, timeoutText: string, extra: CallExtra) {
  let ms: number;
  try {
    ms = parseDuration(timeoutText);
  } catch (err) {
    throw fail('usage', `--timeout: ${(err as Error).message}`);
  }
  if (ms > WAIT_MAX_MS) throw fail('usage', `--timeout ${timeoutText} is over the 10m a wait_task call may take: wait again instead`);
  requireTask(t, id);
  const started = Date.now();
  const token = extra._meta?.progressToken;
  const onTick = token === undefined ? undefined : ({ queued }: { queued: number }) =>
    void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: Date.now() - started, total: ms, message: `${id}: ${queued ? 'queued' : 'running'}` } }).catch(() => undefined);
  try {
    // The bound is the library's; the client cancelling the call (or going away) stops it too.
    const [o] = await treeStore(t).waitForAll([id], { timeoutMs: ms, signal: extra.signal, onTick });
    const { code, ...rest } = o;
    return { ended: true, ...rest, exitCode: code, message: outcomeLine(o) };
  } catch (err) {
    if (!(err instanceof OrcError && err.code === 'timeout') || extra.signal.aborted) throw err;
    return { ended: false, waitedMs: Date.now() - started, ...requireTask(t, id) };
  }
}
