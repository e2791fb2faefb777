/** Stale judgement on a real temp tree: same host by pid + start time, other hosts by heartbeat lease. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encode } from '../../src/persist/codec.ts';
import { HOST, processStart } from '../../src/persist/proc.ts';
import { CLAIM_GRACE_MS, staleReason } from '../../src/queue/recover.ts';
import { ensureTree, taskName, tree, type Tree } from '../../src/queue/tree.ts';
import { LEASE_MS } from '../../src/queue/workers.ts';
import { cleanup, tempDir } from '../helpers.ts';

const R = suite<{ dir: string; t: Tree }>('stale judgement');
R.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.t = tree(path.join(ctx.dir, 'tree'));
  ensureTree(ctx.t);
});
R.after.each((ctx) => cleanup(ctx.dir));

const NAME = taskName('job', 0, 1_000_000);
function running(t: Tree, owner: Record<string, string> | undefined): void {
  const fields: Array<[string, string]> = [['ID', 'job'], ['CMD', 'sleep 1']];
  if (owner) fields.push(...Object.entries(owner), ['STARTED', new Date().toISOString()]);
  fs.writeFileSync(path.join(t.dir('running'), NAME), encode(fields));
}
const beat = (t: Tree, host: string, id: string, ageMs: number) => {
  const f = path.join(t.dir('workers'), `${host}.${id}`);
  fs.writeFileSync(f, `ID=${id}\nHOST=${host}\n`);
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(f, at, at);
};

R('same host: alive while the pid has the recorded start time; stale once it does not', ({ t }) => {
  running(t, { WORKER: '0', HOST, WORKER_PID: String(process.pid), WORKER_START: processStart(process.pid)! });
  assert.is(staleReason(t, NAME), undefined);
  running(t, { WORKER: '0', HOST, WORKER_PID: String(process.pid), WORKER_START: '1' }); // pid reused by another process
  assert.match(staleReason(t, NAME)!, /worker 0 \(pid \d+\) is gone/);
});

R('other host: alive within the heartbeat lease, stale after it', ({ t }) => {
  running(t, { WORKER: '3', HOST: 'elsewhere', WORKER_PID: '1', WORKER_START: '1' });
  beat(t, 'elsewhere', '3', 1000);
  assert.is(staleReason(t, NAME), undefined);
  beat(t, 'elsewhere', '3', LEASE_MS + 5000);
  assert.match(staleReason(t, NAME)!, /missed its heartbeat lease/);
});

R('claimed but not started: a claim in progress, until the grace period has passed', ({ t }) => {
  running(t, undefined);
  assert.is(staleReason(t, NAME), undefined);
  assert.match(staleReason(t, NAME, Date.now() + CLAIM_GRACE_MS + 1000)!, /never started/);
});

R.run();
