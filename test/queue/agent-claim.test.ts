/**
 * Agent tasks on a real temp tree: the holder claims under a kernel lock and keeps it while the
 * agent's process lives (recovery sees the task alive, also after whoever started the holder is
 * gone); settles are fenced by the claim token; a dead agent lets go and recovery requeues; shell
 * workers' view of the queue never offers an agent task.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { claimForAgent } from '../../src/queue/agent-claim.ts';
import { reported } from '../../src/queue/agent-lifecycle.ts';
import { AgentTaskIndex, settleAgentTask } from '../../src/queue/agent-tasks.ts';
import { enqueue } from '../../src/queue/enqueue.ts';
import { judge, recoverStale } from '../../src/queue/recover.ts';
import { ensureTree, find, readTask, tree, type Tree } from '../../src/queue/tree.ts';
import { isAlive, processStart } from '../../src/persist/proc.ts';
import { QueueView } from '../../src/worker/queue-view.ts';
import { cleanup, needingPerl, REPO, tempDir, waitFor } from '../helpers.ts';

const S = suite<{ dir: string; t: Tree; agent: ChildProcess }>('agent claims');
S.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.t = tree(path.join(ctx.dir, 'tree'));
  ensureTree(ctx.t);
  ctx.agent = spawn('sleep', ['600'], { stdio: 'ignore' }); // stands for the agent's process
});
S.after.each((ctx) => {
  ctx.agent.kill('SIGKILL');
  cleanup(ctx.dir);
});
const T = needingPerl(S, 'agent claims');

async function queued(t: Tree, agent = 'eng1'): Promise<string> {
  return enqueue(t, { cmd: 'Fix the parser', extra: [['AGENT', agent]] });
}
const nameOf = (t: Tree, id: string) => find(t, id)!.name;
const watch = (c: ChildProcess) => ({ pid: c.pid!, start: processStart(c.pid!)! });
const owner = (t: Tree, id: string) => {
  const r = readTask(find(t, id)!.file);
  return r?.ok ? r.task.owner : undefined;
};

T('claimed: in running/, owned by the holder, held (alive to recovery); a second claim finds it gone', async (ctx) => {
  const id = await queued(ctx.t);
  const name = nameOf(ctx.t, id);
  const r = await claimForAgent(ctx.t, { name, agent: 'eng1', token: 'tok1', attempt: 1, watch: watch(ctx.agent) });
  assert.is(r.kind, 'claimed');
  assert.is(find(ctx.t, id)!.dir, 'running');
  const o = owner(ctx.t, id)!;
  assert.equal([o.worker, o.claim, o.pid], ['agent:eng1', 'tok1', (r as { holderPid: number }).holderPid]);
  assert.ok(isAlive(o.pid, o.pidStart), 'WORKER_PID/WORKER_START name the live holder');
  assert.is(judge(ctx.t, name).kind, 'alive');
  assert.equal(await recoverStale(ctx.t), []);
  assert.is((await claimForAgent(ctx.t, { name, agent: 'eng1', token: 'tok2', attempt: 1 })).kind, 'gone');
  assert.equal(new AgentTaskIndex(ctx.t).list('running').map((f) => [f.agent, f.task.id]), [['eng1', id]]);
});

T('settles are fenced by the token; a settled task is let go by its holder', async (ctx) => {
  const id = await queued(ctx.t);
  const name = nameOf(ctx.t, id);
  await claimForAgent(ctx.t, { name, agent: 'eng1', token: 'tok1', attempt: 1, watch: watch(ctx.agent) });
  const o = owner(ctx.t, id)!;
  const before = fs.readFileSync(find(ctx.t, id)!.file, 'utf8');
  const task = (readTask(find(ctx.t, id)!.file) as { task: Parameters<typeof reported>[0] }).task;
  const lost = await settleAgentTask(ctx.t, name, 'an-old-run', reported(task, true, 'late', Date.now()));
  assert.is(lost.kind, 'lost');
  assert.is(fs.readFileSync(find(ctx.t, id)!.file, 'utf8'), before, 'nothing changed');
  const ok = await settleAgentTask(ctx.t, name, 'tok1', reported(task, true, 'fixed', Date.now()), 'reported');
  assert.equal([ok.kind, find(ctx.t, id)!.dir], ['moved', 'done']);
  await waitFor('the holder to end', () => !isAlive(o.pid, o.pidStart), 5000);
  assert.match(fs.readFileSync(path.join(ctx.t.dir('logs'), `${id}.out`), 'utf8'), /^reported\n$/);
});

T('the agent dies: the holder lets go, and recovery requeues the task with attempt 2', async (ctx) => {
  const id = await queued(ctx.t);
  const name = nameOf(ctx.t, id);
  await claimForAgent(ctx.t, { name, agent: 'eng1', token: 'tok1', attempt: 1, watch: watch(ctx.agent) });
  ctx.agent.kill('SIGKILL');
  await waitFor('abandoned', () => judge(ctx.t, name).kind === 'abandoned', 5000);
  const rec = await recoverStale(ctx.t);
  assert.equal(rec.map((r) => [r.id, r.to]), [[id, 'queue']]);
  const r = readTask(find(ctx.t, id)!.file);
  assert.ok(r?.ok && r.task.attempt === 2);
});

T('a file locked exclusively is busy; shell workers never see agent tasks', async (ctx) => {
  const id = await queued(ctx.t);
  const shell = await enqueue(ctx.t, { cmd: 'true' });
  const v = new QueueView(ctx.t);
  v.rescan();
  const pick = v.next(Date.now());
  assert.ok(pick.kind === 'run' && pick.name === nameOf(ctx.t, shell), JSON.stringify(pick));
  fs.renameSync(find(ctx.t, shell)!.file, path.join(ctx.t.dir('done'), nameOf(ctx.t, shell)));
  v.rescan();
  assert.equal(v.next(Date.now()), { kind: 'idle', nextDue: undefined, empty: true });
  // An exclusive flock on it (claimers' shared locks go together; the rename decides between them).
  const file = find(ctx.t, id)!.file;
  const locker = spawn('perl', ['-e', 'open(my $f, "<", $ARGV[0]) or die; flock($f, 6) or die; $| = 1; print "ok\\n"; sleep 60', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((res) => locker.stdout!.once('data', res));
    assert.is((await claimForAgent(ctx.t, { name: nameOf(ctx.t, id), agent: 'eng1', token: 't', attempt: 1 })).kind, 'busy');
  } finally {
    locker.kill('SIGKILL');
  }
});

T('agent-holder.pl compiles cleanly under warnings, and the build ships it beside the bundle', () => {
  const file = path.join(REPO, 'src/queue/agent-holder.pl');
  const r = spawnSync('perl', ['-wc', file], { encoding: 'utf8' });
  assert.equal([r.status, r.stderr], [0, `${file} syntax OK\n`], 'no warnings');
  assert.ok(fs.existsSync(path.join(REPO, 'dist', 'agent-holder.pl')), 'npm run build copies it to dist/');
});

T.run();
