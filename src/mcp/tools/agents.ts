/**
 * The agent tools: each maps its arguments onto the library call of the matching CLI command
 * (src/cli/commands/agents/*: agent list|status|spawn, send, assign, schedule). The caller (the agent this server runs for, $ORC_AGENT) is the
 * sender of messages, the default target of check-ins, and the one a spawned agent reports to.
 */
import { z } from 'zod';
import { existingRoot } from '../../root.js';
import { assign } from '../../agents/assign.js';
import { assignOn } from '../../agents/assign-backend.js';
import { captureTarget } from '../../agents/capture.js';
import { scheduleCheckin } from '../../agents/checkin.js';
import { PRESET_NAMES } from '../../agents/presets.js';
import { listAgents } from '../../agents/registry.js';
import { replyTarget, sendMessage } from '../../agents/send.js';
import { spawnAgent } from '../../agents/spawn.js';
import { agentStatuses } from '../../agents/statuses.js';
import { parseDuration } from '../../time.js';
import { fail } from '../../errors.js';
import { specFromArgs, turnOf } from '../../cli/commands/tasks/enqueue-args.js';
import { durationOpt } from '../../cli/commands/agents/common.js';
import { tool, type McpContext } from '../tool.js';

/** The tree, checked to exist on each call (as the CLI's rootOf). */
const rootOf = (ctx: McpContext): string => existingRoot({ root: ctx.root }).root;
const target = z.string().describe('agent name, or tmux target session:window[.pane] or %pane-id');
/** A duration as the CLI takes it: text with a unit (30s, 5m) or a number of seconds. */
const duration = z.union([z.string(), z.number()]);

export const agentTools = [
  tool({
    name: 'list_agents',
    title: 'List agents',
    description: 'The agents recorded in the tree: name, role, preset, session, pane, working directory, command, whom each reports to (as agent list --json).',
    mutating: false,
    input: {},
    run: async (_a, ctx) =>
      listAgents(rootOf(ctx)).map((r) => ({ ...r, created: new Date(r.created).toISOString(), started: r.started ? new Date(r.started).toISOString() : undefined })),
  }),
  tool({
    name: 'agent_status',
    title: 'Agent status',
    description: 'State of one agent or all: starting, idle, busy, waiting-for-input, dead or unknown, with the reason and last activity (as agent status --json).',
    mutating: false,
    input: { target: target.optional().describe('agent name or tmux target (default: every agent)') },
    run: async (a, ctx) => {
      const rows = await agentStatuses(rootOf(ctx), a.target);
      return a.target === undefined ? rows : rows[0];
    },
  }),
  tool({
    name: 'send_message',
    title: 'Send a message to an agent',
    description:
      "Type a message into an agent's pane and make sure it was submitted (one paste, Enter, verified on screen). " +
      'Without a target, an agent replies to whoever it reports to. The receiver sees [from <you>] when this server runs in an agent\'s window.',
    mutating: true,
    input: { target: target.optional().describe('agent name or tmux target (default: whom the calling agent reports to)'), message: z.string().describe('the text; several lines arrive as one message') },
    run: async (a, ctx) => {
      const root = rootOf(ctx);
      const to = a.target ?? replyTarget(root, ctx.caller);
      const d = await sendMessage(root, to, a.message, { from: ctx.caller, env: ctx.env });
      return { delivered: true, to, pane: d.pane, enters: d.enters };
    },
  }),
  tool({
    name: 'spawn_agent',
    title: 'Start an agent',
    description:
      `Start an agent CLI (preset: ${PRESET_NAMES.join(', ')}; or any command) in its own tmux window, wait until it shows its prompt, then send its briefing. ` +
      'When called by an agent, the new agent reports to the caller.',
    mutating: true,
    input: {
      name: z.string().describe('agent name (also its window name)'),
      role: z.string().describe('orchestrator, pm, engineer, qa or any word'),
      preset: z.string().optional().describe(`agent CLI: ${PRESET_NAMES.join(', ')}`),
      command: z.string().optional().describe('command line to run (with preset: replaces its command, keeps its patterns)'),
      cwd: z.string().optional().describe('working directory (default: the MCP server\'s)'),
      env: z.array(z.string()).optional().describe('KEY=VALUE settings for its window'),
      brief: z.string().optional().describe('briefing: a file or the text itself; {{name}} {{role}} {{session}} {{reports_to}} {{team}} are filled in'),
      worktree: z.boolean().optional().describe('work in its own git worktree, on branch agent/<name>'),
      session: z.string().optional().describe('tmux session (default: $TMUX_SESSION or agents)'),
      ready_pattern: z.string().optional().describe('regex seen when the agent shows its prompt'),
      busy_pattern: z.string().optional().describe('regex seen while it works'),
      waiting_pattern: z.string().optional().describe('regex seen at a permission prompt'),
      ready_timeout: z.union([z.string(), z.number()]).optional().describe('how long to wait for its prompt (default 60s)'),
    },
    run: async (a, ctx) => {
      let readyMs = 60_000;
      if (a.ready_timeout !== undefined) {
        try {
          readyMs = parseDuration(String(a.ready_timeout));
        } catch {
          throw fail('usage', `--ready-timeout ${JSON.stringify(String(a.ready_timeout))} is not a duration (try 5s, 2m)`);
        }
      }
      const rec = await spawnAgent(rootOf(ctx), {
        name: a.name,
        role: a.role,
        preset: a.preset,
        command: a.command,
        cwd: a.cwd,
        env: a.env,
        brief: a.brief,
        worktree: a.worktree,
        session: a.session,
        patterns: { ready: a.ready_pattern, busy: a.busy_pattern, waiting: a.waiting_pattern },
        reportsTo: ctx.caller,
      }, readyMs);
      return { name: rec.name, session: rec.session, window: `${rec.session}:${rec.name}`, pane: rec.pane, worktree: rec.worktree, branch: rec.branch, reportsTo: rec.reportsTo, ready: true, briefed: rec.brief !== '' };
    },
  }),
  tool({
    name: 'assign_task',
    title: "Give an agent a turn of work",
    description:
      "Queue a turn for an agent's work queue: typed into the agent when it is idle, one turn at a time, with the line telling it to report " +
      '(tmux-orc done ID "note"). Returns the task ID at once; wait_task waits for the result (bounded), get_task shows it. ' +
      'Durations take a unit (30s, 10m).',
    mutating: true,
    input: {
      agent: z.string().describe('the agent (list_agents)'),
      text: z.string().describe('what to do'),
      id: z.string().optional().describe('task ID (default: generated)'),
      priority: z.number().int().optional().describe('higher is delivered first, -1000..1000 (default 0)'),
      after: z.array(z.string()).optional().describe('deliver once these task IDs (shell tasks or agent turns) are done'),
      in: duration.optional().describe('not before this long from now'),
      at: z.string().optional().describe('not before this time (14:30)'),
      timeout: duration.optional().describe('fail it this long after delivery; the agent is interrupted with Escape'),
      retries: z.number().int().optional().describe('a failed, timed-out or undeliverable turn is queued again this many times'),
      backoff: duration.optional().describe('first retry delay, doubling each attempt (default 1s)'),
      done_on_idle: duration.optional().describe('settle it as done when the agent, after being busy, stays idle this long'),
    },
    run: async (a, ctx) => {
      if (a.text.trim() === '') throw fail('usage', 'empty task: give the text of the turn (or - to read it from stdin)');
      const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));
      const spec = specFromArgs({ id: a.id, priority: a.priority, after: a.after, in: str(a.in), at: a.at, timeout: str(a.timeout), retries: a.retries, backoff: str(a.backoff) }, a.text, process.cwd(), Date.now());
      const doneOnIdleMs = a.done_on_idle === undefined ? undefined : durationOpt('done-on-idle', String(a.done_on_idle), 0);
      const req = { agent: a.agent, ...turnOf(spec, a.text, doneOnIdleMs) };
      // On the Redis backend when the server was started with one (README "Backends").
      const url = ctx.env.TASK_BACKEND || undefined;
      const { id, warning } = url ? await assignOn(url, rootOf(ctx), req, ctx.env) : await assign(rootOf(ctx), req, ctx.env);
      return { id, agent: a.agent, state: 'queue', warning };
    },
  }),
  tool({
    name: 'schedule_checkin',
    title: 'Schedule a check-in',
    description:
      'Schedule a message to an agent (by default the calling agent itself) at a later time, optionally repeating; it is kept in the tree as a delayed task, ' +
      'so it survives restarts. Returns its ID.',
    mutating: true,
    input: {
      when: z.string().describe('a delay with its unit (30m, 2h, 1h30m) or a time (14:30, ISO 8601)'),
      note: z.string().describe('the message to send then'),
      target: target.optional().describe('agent or session:window (default: the calling agent)'),
      every: z.string().optional().describe('repeat with this period (30m, 1h)'),
    },
    run: async (a, ctx) => scheduleCheckin(rootOf(ctx), { when: a.when, note: a.note, target: a.target, every: a.every, caller: ctx.caller }, ctx.env),
  }),
  tool({
    name: 'capture_pane',
    title: "Read a pane's screen",
    description: "The last lines of an agent's pane (or any tmux target's): its screen and the scrollback above it, as text.",
    mutating: false,
    input: { target, lines: z.number().int().min(1).max(10_000).default(50).describe('how many lines, counted from the bottom') },
    run: async (a, ctx) => captureTarget(rootOf(ctx), a.target, a.lines),
  }),
];
