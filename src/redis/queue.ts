/**
 * The Redis backend's shared parts: one BullMQ queue per backend (its `queue=` name), the task
 * as a job, and the few keys of our own next to BullMQ's.
 *
 * A task is a job whose ID is `=` + the task ID (BullMQ refuses integer-looking and `:` IDs; `=`
 * is in no task ID) and whose data is the task file's text, the same key=value text the tree
 * keeps, so the task model, its validation and the lifecycle decisions are the tree's own.
 * States map as: waiting, prioritized and delayed → queue; active → running; completed → done;
 * failed → failed. Tasks that ended without being run by a worker (cancelled while queued) are
 * kept in a hash of our own, `<prefix>:ended`, and listed as failed.
 *
 * A task that ends done is moved to completed with its final text as the job's return value, in
 * the one command that checks the lock (no separate write, no round trip more); elsewhere the
 * text is the job's data. BullMQ clears the return value when a job is retried.
 *
 * Priorities: BullMQ runs its lowest number first and FIFO within one, so our -1000..1000 (higher
 * first) is kept as 1001 - priority, always set, so that every job is in one ordered set.
 */
import type { Redis } from 'ioredis';
import { Queue, type Job } from 'bullmq';
import { connect, type Backend } from './connect.js';
import { PRIORITY_RANGE, type Task } from '../queue/task.js';
import { taskFromText, type Read } from '../queue/tree.js';
import type { Dir } from '../queue/lifecycle.js';

/** What the Redis backend keeps for each task. */
export interface JobData {
  text: string;
}

export const jobId = (id: string): string => `=${id}`;
export const taskId = (jobId: string): string => jobId.replace(/^=/, '');
export const bullPriority = (priority: number): number => PRIORITY_RANGE + 1 - priority;

/** BullMQ's job states, by ours. */
export const BULL_STATES: Record<Dir, Array<'wait' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed' | 'waiting-children'>> = {
  queue: ['prioritized', 'wait', 'delayed', 'waiting-children'],
  held: [], // not a BullMQ state: held tasks are in a hash of our own (held.ts); never passed to getJobs ([] means every state)
  running: ['active'],
  done: ['completed'],
  failed: ['failed'],
};

export function dirOf(state: string): Dir | undefined {
  // getState names the wait list `waiting` (getJobs calls it `wait`): where a stalled job goes back to.
  if (state === 'waiting') return 'queue';
  for (const [dir, states] of Object.entries(BULL_STATES)) if ((states as string[]).includes(state)) return dir as Dir;
  return undefined;
}

/** A connected backend: its BullMQ queues and our keys. */
export interface Conn {
  backend: Backend;
  client: Redis;
  /**
   * The queue of a label's tasks (a worker with `--label L` takes from L's queue alone), or of
   * unlabelled ones. Labels are free text: a queue's name holds the label in base64url.
   */
  queue(label?: string): Queue<JobData>;
  /**
   * The queue of one agent's turns (agent-jobs.ts): apart from every label's, so shell workers,
   * which take from one label's queue, never see a turn; listed in `<prefix>:agent-queues`.
   */
  agentQueue(agent: string): Queue<JobData>;
  /** Every queue there is: the unlabelled one, each label's and each agent's. */
  queues(): Promise<Array<Queue<JobData>>>;
  /** Where a task's job is, in whichever queue. */
  getJob(id: string): Promise<Job<JobData> | undefined>;
  getJobs(states: string[]): Promise<Array<Job<JobData>>>;
  counts(states: string[]): Promise<Record<string, number>>;
  /** Our own keys: `<prefix>:<name>`. */
  key(name: string): string;
  /** BullMQ's key for a job's lock (the fence a copy to the job checks; see holds.ts), and the job's hash. */
  lockKey(job: Job<JobData>): string;
  jobKey(job: Job<JobData>): string;
  close(): Promise<void>;
}

export const PREFIX = 'orc';

export const queueName = (backend: Backend, label?: string): string =>
  label === undefined ? backend.queue : `${backend.queue}.label.${Buffer.from(label).toString('base64url')}`;

/** An agent's queue: its name in base64url, as a label's (agent names are unique within one backend queue). */
export const agentQueueName = (backend: Backend, agent: string): string => `${backend.queue}.agent.${Buffer.from(agent).toString('base64url')}`;

export async function open(backend: Backend): Promise<Conn> {
  const client = await connect(backend);
  const made = new Map<string, Queue<JobData>>();
  const key = (name: string) => `${PREFIX}:${backend.queue}:orc:${name}`;
  const queue = (label?: string) => named(queueName(backend, label));
  const named = (name: string) => {
    let q = made.get(name);
    if (!q) {
      q = new Queue<JobData>(name, { connection: client, prefix: PREFIX });
      q.on('error', () => {}); // reconnects are ioredis's; a command that fails reports itself
      made.set(name, q);
    }
    return q;
  };
  const agentQueue = (agent: string) => named(agentQueueName(backend, agent));
  const queues = async () => [queue(), ...(await client.smembers(key('labels'))).sort().map((l) => queue(l)),
    ...(await client.smembers(key('agent-queues'))).sort().map(agentQueue)];
  return {
    backend,
    client,
    queue,
    agentQueue,
    queues,
    getJob: async (id) => {
      for (const q of await queues()) {
        const job = await q.getJob(jobId(id));
        if (job) return job;
      }
      return undefined;
    },
    getJobs: async (states) => (await Promise.all((await queues()).map((q) => q.getJobs(states as never)))).flat().filter(Boolean),
    counts: async (states) => {
      const sum: Record<string, number> = {};
      for (const q of await queues()) for (const [s, n] of Object.entries(await q.getJobCounts(...(states as never[])))) sum[s] = (sum[s] ?? 0) + n;
      return sum;
    },
    key,
    lockKey: (job) => `${PREFIX}:${job.queueName}:${job.id}:lock`,
    jobKey: (job) => `${PREFIX}:${job.queueName}:${job.id}`,
    close: async () => {
      await Promise.all([...made.values()].map((q) => q.close().catch(() => {})));
      client.disconnect();
    },
  };
}

/** A job's task text: its final text once done, else its data. */
export function textOf(job: Job<JobData>): string | undefined {
  return (job.returnvalue as JobData | null | undefined)?.text ?? job.data?.text;
}

/** A job's task, parsed as the tree parses a file. */
export function readJob(job: Job<JobData>): Read {
  return taskFromText(textOf(job) ?? { invalid: 'no task text' }, taskId(job.id ?? ''));
}

export function taskOf(job: Job<JobData>): Task | undefined {
  const r = readJob(job);
  return r.ok ? r.task : undefined;
}

/** Where a task is, and its text (with its job, while it has one). */
export interface Found {
  dir: Dir;
  text: string;
  job?: Job<JobData>;
}

/** Where a task is: a job's state, or our hash of held tasks, or of tasks that ended without a worker. */
export async function findTask(k: Conn, id: string): Promise<Found | undefined> {
  const job = await k.getJob(id);
  if (job) {
    const dir = dirOf(await job.getState());
    if (dir) return { dir, text: textOf(job) ?? '', job };
  }
  const held = await k.client.hget(k.key('held'), id);
  if (held !== null) return { dir: 'held', text: held };
  const text = await k.client.hget(k.key('ended'), id);
  return text === null ? undefined : { dir: 'failed', text };
}
