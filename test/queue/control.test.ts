/**
 * Queue control (issue 18) end to end: the real CLI against a temp tree and four real workers
 * racing. Pause holds new claims (running tasks go on); hold, edit and release; an edit racing a
 * claim either lands or fails with exit 4, never half; tasks-move; tasks-wait's exit codes and
 * timeout; retry of a done task and tasks-rm; completion hooks with their variables, a failing
 * and a hanging one; a unique key under 20 concurrent enqueues; --after-any.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli, start, testEnv, waitFor, type Run } from '../helpers.ts';
import { treeSuite, locate, field } from '../worker/tree-helpers.ts';

const T = treeSuite('queue control');

const run = (root: string, args: string[], extra: NodeJS.ProcessEnv = {}) => cli(args, { env: testEnv(root, extra) });
async function ok(root: string, ...args: string[]): Promise<string> {
  const r = await run(root, args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
async function workers(root: string, n = 4, extra: NodeJS.ProcessEnv = {}) {
  const ws = Array.from({ length: n }, (_, i) => start(['worker', '--id', String(i)], { env: testEnv(root, extra) }));
  await waitFor('workers ready', () => ws.every((w) => w.out().includes('ready')), 30_000);
  return ws;
}
const count = (root: string, d: string) => fs.readdirSync(path.join(root, d)).length;
const where = (root: string, id: string) => {
  const found = ['queue', 'held', 'running', 'done', 'failed'].filter((d) => fs.readdirSync(path.join(root, d)).some((n) => n.endsWith(`-${id}.task`)));
  assert.ok(found.length <= 1, `${id} is in one state directory only (${found})`);
  return found[0];
};
const out = (root: string, id: string) => fs.readFileSync(path.join(root, 'logs', `${id}.out`), 'utf8');
const listJson = async (root: string, state = 'all') => JSON.parse(await ok(root, 'tasks-list', state, '--json')) as Array<{ id: string; state: string; status: string }>;

T('tasks-pause --group: 4 workers pass over the paused group and run what follows it; tasks-resume lets it run; shown in tasks-list and tasks-health --json', async ({ root }) => {
  await workers(root);
  assert.match(await ok(root, 'tasks-pause', '--group', 'g'), /^group g paused$/);
  // Grouped tasks are made held and then given their group, so no worker sees them before.
  const grouped = (await cli(['tasks-enqueue', '--stdin', '--hold'], { env: testEnv(root), input: 'true\n'.repeat(6) })).stdout.trim().split('\n');
  assert.is(grouped.length, 6);
  await Promise.all(grouped.map((id) => ok(root, 'tasks-edit', id, '--group', 'g')));
  await ok(root, 'tasks-release', ...grouped);
  const others: string[] = [];
  for (let i = 0; i < 6; i++) others.push(await ok(root, 'tasks-enqueue', 'true'));
  await waitFor('the ungrouped tasks queued after them done', () => others.every((id) => where(root, id) === 'done'), 30_000);
  for (const id of grouped) assert.is(where(root, id), 'queue', `${id} was passed over`);
  const rows = await listJson(root, 'queue');
  assert.equal(rows.map((r) => r.status), grouped.map(() => 'paused'));
  const health = JSON.parse((await run(root, ['tasks-health', '--json'])).stdout);
  assert.ok(health.paused.groups.g, 'tasks-health says group g is paused');
  assert.is(health.paused.all, undefined);
  assert.match(await ok(root, 'tasks-resume', '--group', 'g'), /^group g resumed$/);
  await waitFor('the group ran once resumed', () => grouped.every((id) => where(root, id) === 'done'), 30_000);
  assert.match(await ok(root, 'tasks-resume', '--group', 'g'), /was not paused/);
});

T('tasks-pause while 4 workers drain: running tasks finish, none starts until tasks-resume; every task runs exactly once', async ({ root, dir }) => {
  const ran = path.join(dir, 'ran.txt');
  const r = await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input: Array.from({ length: 40 }, () => `echo "$TASK_ID" >> ${ran}; sleep 0.25`).join('\n') + '\n' });
  assert.is(r.code, 0, r.stderr);
  await workers(root);
  await waitFor('some done', () => count(root, 'done') >= 8, 30_000);
  assert.match(await ok(root, 'tasks-pause'), /^queue paused$/);
  // What had started when tasks-pause returned: in running/ with a start record, or finished.
  const idsIn = (d: string) => fs.readdirSync(path.join(root, d)).map((n) => n.replace(/^.*-(.*)\.task$/, '$1'));
  const started = [...idsIn('running'), ...idsIn('done')].sort();
  await waitFor('the running tasks finished', () => count(root, 'running') === 0, 30_000);
  assert.equal(idsIn('done').sort(), started, 'exactly the tasks started before tasks-pause returned have run');
  assert.ok(count(root, 'queue') > 0, 'paused with tasks left');
  // Nothing can be seen not to happen at an instant: the workers look at the pause every 250 ms;
  // after four of their looks, still nothing more has started.
  await new Promise((res) => setTimeout(res, 1000));
  assert.equal(idsIn('done').sort(), started);
  assert.is(count(root, 'running'), 0);
  assert.is(fs.readFileSync(ran, 'utf8').trim().split('\n').length, started.length, 'only those ever started');
  const list = await run(root, ['tasks-list', 'queue']);
  assert.match(list.stderr, /queue paused since/);
  assert.match(list.stdout, / paused /);
  assert.match(await ok(root, 'tasks-resume'), /^queue resumed$/);
  await waitFor('all done', () => count(root, 'done') === 40, 30_000);
  const lines = fs.readFileSync(ran, 'utf8').trim().split('\n');
  assert.is(new Set(lines).size, 40, 'each ran once');
  assert.is(lines.length, 40);
});

T('hold, edit and release with 4 workers: a held task is never claimed, keeps one file, runs as edited once released; a task after it waits', async ({ root }) => {
  await workers(root);
  const h = await ok(root, 'tasks-enqueue', '--hold', '-i', 'h1', 'echo', 'old');
  assert.is(h, 'h1');
  const after = await ok(root, 'tasks-enqueue', '--after', 'h1', 'true');
  const other = await ok(root, 'tasks-enqueue', 'true');
  await waitFor('the other task done', () => where(root, other) === 'done', 30_000);
  assert.is(where(root, 'h1'), 'held');
  assert.is(where(root, after), 'queue', 'waits for the held task, not failed as missing');
  assert.match(await ok(root, 'tasks-edit', 'h1', '-e', 'X=new', '--priority', '3', '--', 'sh', '-c', 'echo "$X"'), /^h1 edited \(held\)$/);
  assert.equal(fs.readdirSync(path.join(root, 'held')).filter((n) => n.endsWith('-h1.task')).length, 1, 'one file');
  assert.ok(fs.readdirSync(path.join(root, 'held'))[0].startsWith('1997-'), 'its name carries the new priority');
  const rows = await listJson(root, 'held');
  assert.equal(rows.map((x) => [x.id, x.status]), [['h1', 'held']]);
  assert.match(await ok(root, 'tasks-release', 'h1'), /^h1 released$/);
  await waitFor('released and run', () => where(root, 'h1') === 'done' && where(root, after) === 'done', 30_000);
  assert.is(out(root, 'h1'), 'new\n');
  const hold = await run(root, ['tasks-hold', 'h1']);
  assert.is(hold.code, 4, 'a finished task cannot be held');
  assert.match(hold.stderr, /^tmux-orc: task h1 is finished \(done\); only queued or held tasks can be held\n$/);
  assert.is((await run(root, ['tasks-hold', 'nope'])).code, 3);
  const slow = await ok(root, 'tasks-enqueue', 'sleep', '30');
  await waitFor('running', () => where(root, slow) === 'running', 30_000);
  const edit = await run(root, ['tasks-edit', slow, '--', 'true']);
  assert.is(edit.code, 4);
  assert.match(edit.stderr, /is running \(a worker has claimed it\); only queued or held tasks can be edited/);
  const held = await ok(root, 'tasks-enqueue', '--hold', 'true');
  assert.match(await ok(root, 'tasks-cancel', held), /cancelled \(was held\)/);
  assert.is(where(root, held), 'failed');
  await ok(root, 'tasks-cancel', slow);
});

T('tasks-edit racing 4 workers\' claims: each edit lands (the task runs the new command) or fails with exit 4 saying so; never half, never twice, never lost', async ({ root }) => {
  const r = await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input: Array.from({ length: 16 }, () => 'echo old; sleep 0.3').join('\n') + '\n' });
  const ids = r.stdout.trim().split('\n');
  assert.is(ids.length, 16);
  await ok(root, 'tasks-pause');
  await workers(root);
  // The workers start claiming as the edits start landing: both race for the same files.
  const [, ...edits]: Run[] = await Promise.all([
    ok(root, 'tasks-resume'),
    ...ids.map((id) => run(root, ['tasks-edit', id, '-e', 'V=new', '--', 'sh', '-c', 'echo "$V"; sleep 0.3'])),
  ]) as Run[];
  await waitFor('all done', () => count(root, 'done') === 16, 60_000);
  for (const [i, id] of ids.entries()) {
    const e = edits[i];
    assert.is(where(root, id), 'done');
    if (e.code === 0) assert.is(out(root, id), 'new\n', `${id} edited: runs the new command, once`);
    else {
      assert.is(e.code, 4, e.stderr);
      assert.match(e.stderr, /claimed by a worker as it was being edited|is running \(a worker has claimed it\)|is finished/);
      assert.is(out(root, id), 'old\n', `${id} not edited: runs as it was, once`);
    }
  }
  assert.is(count(root, 'held') + count(root, 'queue') + count(root, 'running') + count(root, 'failed'), 0);
});

T('tasks-move: first of its priority, or right after another, also inside a run of back-to-back enqueue times; refused across priorities', async ({ root, dir }) => {
  const [a, b, c, d] = (await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input: 'true\ntrue\ntrue\ntrue\n' })).stdout.trim().split('\n');
  assert.match(await ok(root, 'tasks-move', d, '--first'), / moved$/);
  await ok(root, 'tasks-move', a, '--after', b); // b and c were enqueued a microsecond apart
  const order = (await listJson(root, 'queue')).map((x) => x.id);
  assert.equal(order, [d, b, a, c]);
  const p = await ok(root, 'tasks-enqueue', '-p', '5', 'true');
  const cross = await run(root, ['tasks-move', p, '--after', a]);
  assert.is(cross.code, 4);
  assert.match(cross.stderr, /another priority/);
  assert.is((await run(root, ['tasks-move', a])).code, 2, 'needs --first or --after');
  // One worker runs them in the new order.
  await ok(root, 'tasks-cancel', p);
  const log = path.join(dir, 'order.txt');
  for (const id of [d, b, a, c]) await ok(root, 'tasks-edit', id, '--', `echo ${id} >> ${log}`);
  await workers(root, 1);
  await waitFor('all ran', () => count(root, 'done') === 4, 30_000);
  assert.equal(fs.readFileSync(log, 'utf8').trim().split('\n'), [d, b, a, c]);
});

T('tasks-wait: the task\'s code and one outcome line each; the first non-zero of several; --any; exit 7 on --timeout; exit 3 for an unknown ID', async ({ root }) => {
  await workers(root);
  const fail3 = await ok(root, 'tasks-enqueue', 'sh', '-c', 'sleep 0.3; exit 3');
  const good = await ok(root, 'tasks-enqueue', 'true');
  const slow = await ok(root, 'tasks-enqueue', 'sleep', '30');
  const one = await run(root, ['tasks-wait', good]);
  assert.is(one.code, 0, one.stderr);
  assert.match(one.stdout, new RegExp(`^${good}: done in \\d+\\.\\ds\\n$`));
  const both = await run(root, ['tasks-wait', good, fail3]);
  assert.is(both.code, 3);
  assert.equal(both.stdout.trim().split('\n').map((l) => l.split(':')[0]).sort(), [fail3, good].sort());
  const any = await run(root, ['tasks-wait', '--any', slow, fail3]);
  assert.is(any.code, 3);
  assert.match(any.stdout, new RegExp(`^${fail3}: failed: exit 3 after`));
  const timeout = await run(root, ['tasks-wait', '--timeout', '1s', slow]);
  assert.is(timeout.code, 7);
  assert.match(timeout.stderr, new RegExp(`^tmux-orc: timed out after 1s; not ended: ${slow} \\(running\\)\\n$`));
  assert.is((await run(root, ['tasks-wait', 'nope'])).code, 3);
  await ok(root, 'tasks-cancel', slow);
});

T('tasks-retry takes a done task (a new attempt, logs kept); tasks-rm removes a finished task and its logs, refuses a queued one', async ({ root }) => {
  await workers(root);
  await ok(root, 'tasks-enqueue', '-i', 'r', 'echo', 'ran');
  await waitFor('done', () => where(root, 'r') === 'done', 30_000);
  assert.is(await ok(root, 'tasks-retry', 'r'), 'r');
  await waitFor('done again', () => where(root, 'r') === 'done' && field(locate(root, 'r')!.text, 'ATTEMPT') === '2' && field(locate(root, 'r')!.text, 'STATUS') === 'done', 30_000);
  assert.is(out(root, 'r'), 'ran\nran\n', 'both runs\' output');
  assert.is(await ok(root, 'tasks-rm', 'r'), 'r removed');
  assert.is(where(root, 'r'), undefined);
  assert.not.ok(fs.existsSync(path.join(root, 'logs', 'r.out')));
  const held = await ok(root, 'tasks-enqueue', '--hold', 'true');
  const rm = await run(root, ['tasks-rm', held]);
  assert.is(rm.code, 4);
  assert.match(rm.stderr, /only finished tasks can be removed \(cancel it first: tmux-orc tasks-cancel /);
  assert.is((await run(root, ['tasks-rm', 'r'])).code, 3);
});

T('--unique: of 20 concurrent enqueues exactly one wins, the others exit 4 printing its ID; the key is free again once the task settles; a leftover is recovered', async ({ root, dir }) => {
  const go = path.join(dir, 'go');
  const all = await Promise.all(Array.from({ length: 20 }, () => run(root, ['tasks-enqueue', '--unique', 'nightly', 'sh', '-c', `until [ -e ${go} ]; do sleep 0.05; done`])));
  const won = all.filter((r) => r.code === 0);
  assert.is(won.length, 1, all.map((r) => r.stderr).join(''));
  const id = won[0].stdout.trim();
  for (const r of all.filter((x) => x.code !== 0)) {
    assert.is(r.code, 4, r.stderr);
    assert.is(r.stdout, `${id}\n`);
    assert.match(r.stderr, new RegExp(`unique key "nightly" is held by task ${id}`));
  }
  assert.is(count(root, 'queue'), 1);
  await workers(root, 4);
  await waitFor('running', () => where(root, id) === 'running', 30_000);
  assert.is((await run(root, ['tasks-enqueue', '--unique', 'nightly', 'true'])).code, 4, 'refused while it runs');
  fs.writeFileSync(go, '');
  await waitFor('settled and the key given up', () => where(root, id) === 'done' && count(root, 'unique') === 0, 30_000);
  const again = await ok(root, 'tasks-enqueue', '--unique', 'nightly', '--hold', 'true');
  assert.is((await run(root, ['tasks-enqueue', '--unique', 'nightly', 'true'])).code, 4, 'a held task holds its key');
  await ok(root, 'tasks-cancel', again);
  await waitFor('key given up by the cancel', () => count(root, 'unique') === 0, 10_000);
  // A leftover: the key of a task that settled without giving it up (a crash).
  fs.writeFileSync(path.join(root, 'unique', Buffer.from('k2').toString('base64url')), `${id}\n1\nx\nh\n`, { mode: 0o600 });
  await ok(root, 'tasks-enqueue', '--unique', 'k2', 'true');
});

T('hooks: the tree\'s hooks/on-finish and --on-finish get the TASK_* variables; a failing or hanging hook is logged and never changes the result; an unsafe hook is refused', async ({ root, dir }) => {
  const seen = path.join(dir, 'seen');
  fs.mkdirSync(seen);
  const hook = path.join(root, 'hooks', 'on-finish');
  fs.writeFileSync(hook, `#!/bin/sh\nenv | grep '^TASK_' | sort > ${seen}/"$TASK_ID"\n`, { mode: 0o700 });
  await workers(root, 4, { TMUX_ORC_HOOK_TIMEOUT: '1s' });
  const failing = await ok(root, 'tasks-enqueue', '-l', 'lab', '--on-finish', 'echo hook-ran; exit 9', 'sh', '-c', 'exit 3');
  const hanging = await ok(root, 'tasks-enqueue', '--on-finish', 'sleep 30', 'true');
  await waitFor('the tree hook ran for both', () => fs.existsSync(`${seen}/${failing}`) && fs.existsSync(`${seen}/${hanging}`), 30_000);
  const vars = Object.fromEntries(fs.readFileSync(`${seen}/${failing}`, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.is(vars.TASK_ID, failing);
  assert.is(vars.TASK_STATUS, 'failed');
  assert.is(vars.TASK_EXIT_CODE, '3');
  assert.is(vars.TASK_LABEL, 'lab');
  assert.is(vars.TASK_GROUP, '');
  assert.match(vars.TASK_DURATION_MS, /^\d+$/);
  assert.is(vars.TASK_LOG, path.join(root, 'logs', `${failing}.out`));
  const hookLog = (id: string) => fs.readFileSync(path.join(root, 'logs', `${id}.hook`), 'utf8');
  await waitFor('the failing hook logged', () => /its on-finish hook failed with exit 9; the task's result stands/.test(hookLog(failing)), 30_000);
  assert.match(hookLog(failing), /^hook-ran\n/);
  await waitFor('the hanging hook timed out', () => /its on-finish hook timed out after 1s/.test(hookLog(hanging)), 30_000);
  assert.is(where(root, failing), 'failed');
  assert.is(field(locate(root, failing)!.text, 'EXIT'), '3');
  assert.is(where(root, hanging), 'done');
  fs.chmodSync(hook, 0o722);
  const third = await ok(root, 'tasks-enqueue', 'true');
  await waitFor('refused', () => fs.existsSync(path.join(root, 'logs', `${third}.hook`)) && /refused hooks\/on-finish: .* writable by group or others/.test(hookLog(third)), 30_000);
  assert.not.ok(fs.existsSync(`${seen}/${third}`));
  assert.is(where(root, third), 'done');
});

T('--after-any runs once its dependencies have ended whatever their result; --after still fails with a failed dependency', async ({ root }) => {
  const bad = await ok(root, 'tasks-enqueue', 'sh', '-c', 'sleep 0.2; exit 1');
  const good = await ok(root, 'tasks-enqueue', 'true');
  const anyway = await ok(root, 'tasks-enqueue', '--after-any', `${bad},${good}`, 'echo', 'cleanup');
  const strict = await ok(root, 'tasks-enqueue', '--after', bad, 'true');
  assert.equal((await listJson(root, 'queue')).find((x) => x.id === anyway)?.status, 'waiting');
  assert.is((await run(root, ['tasks-enqueue', '--after-any', 'nope', 'true'])).code, 3);
  await workers(root);
  await waitFor('settled', () => where(root, anyway) === 'done' && where(root, strict) === 'failed', 30_000);
  assert.is(out(root, anyway), 'cleanup\n');
  assert.match(field(locate(root, strict)!.text, 'REASON') ?? '', /^dependency-failed: /);
});

T.run();
