/**
 * Judging running files on a real temp tree: alive while held (a kernel lock, as the launcher
 * keeps one), abandoned once not; another host's by its lease; a crash's leftover of a move.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encode } from '../../src/persist/codec.ts';
import { HOST } from '../../src/persist/proc.ts';
import { CLAIM_GRACE_MS, judge } from '../../src/queue/recover.ts';
import { heldLocks } from '../../src/queue/locks.ts';

const nothingHeld = heldLocks('');
import { ensureTree, taskName, tree, type Tree } from '../../src/queue/tree.ts';
import { cleanup, tempDir, waitFor } from '../helpers.ts';

const R = suite<{ dir: string; t: Tree; holders: ChildProcess[] }>('judging running files');
R.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.t = tree(path.join(ctx.dir, 'tree'));
  ctx.holders = [];
  ensureTree(ctx.t);
});
R.after.each((ctx) => {
  for (const h of ctx.holders) h.kill('SIGKILL');
  cleanup(ctx.dir);
});

const NAME = taskName('job', 0, 1_000_000);
const file = (t: Tree) => path.join(t.dir('running'), NAME);
function running(t: Tree, owner: Record<string, string> | undefined, ageMs = 0): void {
  const fields: Array<[string, string]> = [['ID', 'job'], ['CMD', 'sleep 1']];
  if (owner) fields.push(['WORKER', '0'], ['WORKER_PID', '1'], ['WORKER_START', '1'], ['CLAIM', 'tok'], ...Object.entries(owner), ['STARTED', new Date().toISOString()]);
  fs.writeFileSync(file(t), encode(fields));
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(file(t), at, at);
}
/** A process holding a shared flock on the file, as a worker's launcher does. */
async function hold(ctx: { t: Tree; holders: ChildProcess[] }): Promise<ChildProcess> {
  const h = spawn('perl', ['-e', '$| = 1; open(F, "<", $ARGV[0]) or die; flock(F, 1) or die; print "held\\n"; sleep 60', file(ctx.t)], { stdio: ['ignore', 'pipe', 'inherit'] });
  ctx.holders.push(h);
  let out = '';
  h.stdout!.on('data', (d) => (out += d));
  await waitFor('the lock', () => out.includes('held'));
  return h;
}

R('this host: alive while held, abandoned once nobody holds it', async (ctx) => {
  running(ctx.t, { HOST });
  const h = await hold(ctx);
  assert.equal(judge(ctx.t, NAME), { kind: 'alive' });
  h.kill('SIGKILL');
  await waitFor('released', () => judge(ctx.t, NAME).kind !== 'alive');
  assert.match((judge(ctx.t, NAME) as { why: string }).why, /worker 0 \(pid 1\) no longer holds it/);
});

R('another host: alive within the lease (the file renewed lately), abandoned after it', ({ t }) => {
  running(t, { HOST: 'elsewhere' }, 1000);
  assert.equal(judge(t, NAME, Date.now(), nothingHeld, 60_000), { kind: 'alive' });
  running(t, { HOST: 'elsewhere' }, 65_000);
  assert.match((judge(t, NAME, Date.now(), nothingHeld, 60_000) as { why: string }).why, /on elsewhere, lease lapsed/);
});

R('another host that holds the lock visibly is alive whatever its lease', async (ctx) => {
  running(ctx.t, { HOST: 'elsewhere' }, 65_000);
  await hold(ctx);
  assert.equal(judge(ctx.t, NAME, Date.now(), undefined, 60_000), { kind: 'alive' });
});

R('claimed, never run and not held: alive for a short grace from its claim (a host whose lock we cannot see may be about to start it), abandoned after', ({ t }) => {
  running(t, undefined);
  assert.equal(judge(t, NAME, Date.now(), nothingHeld, 60_000), { kind: 'alive' });
  assert.match((judge(t, NAME, Date.now() + CLAIM_GRACE_MS + 1000, nothingHeld, 60_000) as { why: string }).why, /claimed but never run/);
  // never longer than the lease itself
  assert.match((judge(t, NAME, Date.now() + 1500, nothingHeld, 1000) as { why: string }).why, /claimed but never run/);
});

R('the same file also in done/ is the leftover of an interrupted move; another file of that name is not', ({ t }) => {
  running(t, { HOST });
  fs.writeFileSync(path.join(t.dir('done'), NAME), 'ID=job\nCMD=x\nSTATUS=done\n');
  assert.equal(judge(t, NAME).kind, 'abandoned', 'a different file: its own run is judged');
  fs.rmSync(path.join(t.dir('done'), NAME));
  fs.linkSync(file(t), path.join(t.dir('done'), NAME)); // the link landed, the unlink did not
  assert.equal(judge(t, NAME), { kind: 'leftover', in: 'done' });
});

R.run();
