/**
 * Groups on the Redis backend, command side: `group set|list|rm`, `tasks-pause|resume --group` and
 * the check that `--group` names a group. The keys and the atomic steps are groups.lua's; the
 * meaning is the tree's (src/queue/groups.ts, src/queue/pause.ts).
 */
import { fail } from '../errors.js';
import { iso } from '../time.js';
import { checkName, checkParallel, groupCounts, type GroupInfo } from '../queue/groups.js';
import { groupProblem } from '../queue/pause.js';
import { BULL_STATES, taskOf, type Conn } from './queue.js';
import { wake } from './groups.js';

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** A typo must not make a new group quietly: groups are made by `group set` (exit 3, as on the tree). */
export async function checkKnown(k: Conn, group: string): Promise<void> {
  if (!(await k.client.hexists(k.key('groups'), group))) {
    throw fail('not-found', `--group: no group ${group} in ${k.backend.where}; create it first: tmux-orc group set ${group} --parallel N`);
  }
}

/** Create a group or change its limit; a raise wakes its parked tasks at once. Returns the limit it had. */
export async function setGroup(k: Conn, name: string, parallel: number): Promise<{ before?: number }> {
  checkName(name);
  checkParallel(parallel);
  const before = await k.client.hget(k.key('groups'), name);
  await k.client.hset(k.key('groups'), name, parallel);
  await wake(k, name);
  return { before: before === null ? undefined : Number(before) };
}

/** How many tasks of each group are queued (parked ones included) and running, from their jobs. */
async function taskCounts(k: Conn): Promise<Map<string, { running: number; queued: number }>> {
  const tasks: Array<{ dir: 'queue' | 'running'; group?: string }> = [];
  for (const [dir, states] of [['queue', BULL_STATES.queue], ['running', BULL_STATES.running]] as const) {
    for (const job of await k.getJobs(states)) tasks.push({ dir, group: job ? taskOf(job)?.group : undefined });
  }
  return groupCounts(tasks);
}

/** Every group: those set, and those only tasks name; sorted by name. */
export async function listGroups(k: Conn): Promise<GroupInfo[]> {
  const counts = await taskCounts(k);
  const limits = await k.client.hgetall(k.key('groups'));
  const names = new Set([...counts.keys(), ...Object.keys(limits)]);
  return [...names].sort().map((group) => ({ group, parallel: limits[group] === undefined ? undefined : Number(limits[group]), running: 0, queued: 0, ...counts.get(group) }));
}

/** Remove a group: refused (exit 4) while a task of it is queued or running; exit 3 when there is no such group. */
export async function removeGroup(k: Conn, name: string): Promise<void> {
  checkName(name);
  const c = (await taskCounts(k)).get(name);
  if (c) throw fail('conflict', `group ${name} has ${c.running} running and ${c.queued} queued task(s); remove it once they are done (or cancel them)`);
  if ((await k.client.hdel(k.key('groups'), name)) === 0) throw fail('not-found', `no group ${name} in ${k.backend.where}`);
  await k.client.del(k.key(`group-slots:${name}`), k.key(`group-waiting:${name}`));
}

function checkGroup(group: string): void {
  const bad = groupProblem(group);
  if (bad) throw fail('usage', bad);
}

/**
 * Pause a group (false when it was paused already). A worker that took a slot before the mark was
 * written starts its task: waited for here (at most `ms`; a worker that died there no longer holds
 * its lock, so is not waited on), so that once this returns no task of the group starts.
 */
export async function pauseGroup(k: Conn, group: string, ms = 5000): Promise<boolean> {
  checkGroup(group);
  const fresh = (await k.client.hsetnx(k.key('paused-groups'), group, iso(Date.now()))) === 1;
  const deadline = Date.now() + ms;
  while ((await unstarted(k, group)) && Date.now() < deadline) await pause(20);
  return fresh;
}

/** Whether a live slot holder of the group has not yet recorded its start (for this activation of its job). */
async function unstarted(k: Conn, group: string): Promise<boolean> {
  for (const [id, holder] of Object.entries(await k.client.hgetall(k.key(`group-slots:${group}`)))) {
    const cut = holder.indexOf('\n');
    if ((await k.client.get(holder.slice(cut + 1))) !== holder.slice(0, cut)) continue;
    const job = await k.getJob(id);
    const owner = job && taskOf(job)?.owner;
    if (job && (!owner || owner.started < (job.processedOn ?? 0))) return true;
  }
  return false;
}

/** Resume a group (false when it was not paused); its parked tasks are woken at once. */
export async function resumeGroup(k: Conn, group: string): Promise<boolean> {
  checkGroup(group);
  const was = (await k.client.hdel(k.key('paused-groups'), group)) === 1;
  await wake(k, group);
  return was;
}

/** The paused groups, with since when. */
export const pausedGroups = async (k: Conn): Promise<Record<string, string>> => k.client.hgetall(k.key('paused-groups'));
