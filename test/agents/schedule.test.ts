/** Check-ins end to end: fired by the scheduler while every worker is busy; surviving kill-server + init. */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, tmux, waitFor } from '../helpers.ts';
import { oneLine, received, run, setup, spawnFake, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('schedule');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

interface Row {
  id: string;
  due: string;
  every?: string;
  runs: number;
  target: string;
  note: string;
}

async function list(ctx: Ctx): Promise<Row[]> {
  const r = await run(ctx, ['schedule', 'list', '--json']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}

T('a check-in fires on time while every worker is busy; recurring ones re-arm; cancel stops them', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  const w = start(['worker', '--id', 'w0'], { env: ctx.env });
  let r = await run(ctx, ['tasks-enqueue', '--', 'sleep', '60']);
  assert.is(r.code, 0, r.stderr);
  await waitFor('the only worker busy', () => fs.readdirSync(path.join(ctx.root, 'running')).length === 1);
  r = await run(ctx, ['schedule', '1s', 'Check', 'in:', 'report progress', '--target', 'eng1']);
  assert.is(r.code, 0, r.stderr);
  const once = r.stdout.trim();
  r = await run(ctx, ['schedule', '1s', 'hourly tick', '--target', 'eng1', '--every', '1h']);
  assert.is(r.code, 0, r.stderr);
  const hourly = r.stdout.trim();
  await waitFor('both check-ins delivered', () => received(ctx, 'eng1').length === 2);
  assert.equal(received(ctx, 'eng1').sort(), ['[from check-in] Check in: report progress', '[from check-in] hourly tick']);
  assert.match(tmux(ctx.sock, 'list-windows', '-t', '=team', '-F', '#{window_name}'), /^scheduler$/m);
  const rows = (await waitFor('recurring one re-armed', async () => {
    const l = await list(ctx);
    return l.length === 1 && l[0].runs === 1 ? l : undefined;
  }))!;
  assert.is(rows[0].id, hourly);
  assert.is(rows[0].every, '1h');
  assert.ok(Date.parse(rows[0].due) > Date.now() + 50 * 60_000, 'next firing an hour on');
  assert.ok(fs.readdirSync(path.join(ctx.root, 'done')).some((n) => n.includes(once)));
  r = await run(ctx, ['schedule', 'cancel', hourly]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(await list(ctx), []);
  assert.is(fs.readdirSync(path.join(ctx.root, 'running')).length, 1, 'the long task still runs');
  w.kill('SIGKILL');
});

T('bad schedule input: one line and a documented exit code', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  oneLine(await run(ctx, ['schedule', '30m', 'x', '--target', 'eng1', '--every', '0']), 2, /--every must be longer than zero/);
  oneLine(await run(ctx, ['schedule', 'soonish', 'x', '--target', 'eng1']), 2, /WHEN "soonish" is not a delay or a time/);
  oneLine(await run(ctx, ['schedule', '30m', '--target', 'eng1']), 2, /empty message/);
  oneLine(await run(ctx, ['schedule', '30m', 'x', '--target', 'ghost']), 3, /unknown target "ghost"/);
  oneLine(await run(ctx, ['schedule', '30m', 'x']), 2, /no --target/);
  // A bare number meant minutes here and seconds in --timeout: it needs its unit now.
  oneLine(await run(ctx, ['schedule', '30', 'x', '--target', 'eng1']), 2, /WHEN "30" has no unit: give a unit, e\.g\. 30m/);
  oneLine(await run(ctx, ['schedule', '30m', 'x', '--target', 'eng1', '--every', '60']), 2, /--every "60" has no unit: give a unit, e\.g\. 60m/);
  oneLine(await run(ctx, ['schedule', 'cancel', 'nope']), 3, /no schedule nope/);
  const t = await run(ctx, ['tasks-enqueue', '--', 'true']);
  oneLine(await run(ctx, ['schedule', 'cancel', t.stdout.trim()]), 4, /is not a schedule/);
  assert.equal(await list(ctx), []);
});

T('schedules survive tmux kill-server + init, and an overdue check-in fires once', async (ctx) => {
  await spawnFake(ctx, 'eng1', '--brief', 'hello');
  await waitFor('briefing', () => received(ctx, 'eng1').length === 1);
  const r = await run(ctx, ['schedule', '2s', 'after the restart', '--target', 'eng1', '--every', '1h']);
  assert.is(r.code, 0, r.stderr);
  tmux(ctx.sock, 'kill-server');
  assert.is((await list(ctx)).length, 1, 'still armed in the tree');
  await waitFor('overdue', async () => Date.parse((await list(ctx))[0].due) < Date.now() - 1000);
  const init = await run(ctx, ['init', '1']);
  assert.is(init.code, 0, init.stderr);
  assert.match(init.stdout, /scheduler started for 1 armed check-in/);
  const rv = await run(ctx, ['agent', 'revive']);
  assert.is(rv.code, 0, rv.stderr);
  assert.match(rv.stdout, /eng1: revived/);
  await waitFor('check-in after restart', () => received(ctx, 'eng1').includes('[from check-in] after the restart'));
  const rows = (await waitFor('re-armed', async () => {
    const l = await list(ctx);
    return l[0]?.runs === 1 ? l : undefined;
  }))!;
  assert.ok(Date.parse(rows[0].due) > Date.now() + 50 * 60_000);
  // The check-in may land just before or just after the re-sent briefing (init restarts the scheduler).
  assert.equal([...received(ctx, 'eng1')].sort(), ['[from check-in] after the restart', 'hello', 'hello'], 'fired once; briefing re-sent on revive');
});

T('git-snapshot commits work in progress only when something changed', async (ctx) => {
  const repo = path.join(ctx.dir, 'repo');
  fs.mkdirSync(repo);
  execFileSync('git', ['init', '-q', repo]);
  fs.writeFileSync(path.join(repo, 'a.txt'), 'one\n');
  let r = await run(ctx, ['git-snapshot', repo]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[0-9a-f]+ Progress: auto-snapshot \d{4}-\d\d-\d\dT[\d:.]+Z \(1 file\)$/m);
  r = await run(ctx, ['git-snapshot', repo]);
  assert.is(r.stdout.trim(), `no changes in ${repo}`);
  fs.writeFileSync(path.join(repo, 'a.txt'), 'two\n');
  r = await run(ctx, ['git-snapshot', repo, '--message', 'login form']);
  assert.match(r.stdout, /Progress: login form auto-snapshot/);
  assert.is(execFileSync('git', ['-C', repo, 'rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).trim(), '2');
  r = await run(ctx, ['git-snapshot', repo, '--every', '30m']);
  assert.is(r.code, 0, r.stderr);
  assert.equal((await list(ctx)).map((x) => [x.every, x.target]), [['30m', repo]]);
  oneLine(await run(ctx, ['git-snapshot', ctx.dir]), 2, /is not in a git repository/);
  oneLine(await run(ctx, ['git-snapshot', repo, '--every', '0']), 2, /--every must be longer than zero/);
});

T.run();
