/** `team deploy TYPE SIZE`: the built-in templates as specs (dry-run output is a valid spec), bad requests, a real deploy. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { parseSpec } from '../../src/agents/spec.ts';
import { FAKE_AGENT, oneLine, received, run, setup, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('team deploy TYPE SIZE');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

T('--dry-run prints a valid spec for each type: orchestrator, one PM, SIZE engineers; deploys nothing', async (ctx) => {
  const rows: Array<[string, string, string]> = [
    ['frontend', '3', 'engineer'],
    ['backend', '1', 'engineer'],
    ['fullstack', '2', 'engineer'],
    ['qa', '2', 'qa'],
  ];
  for (const [type, size, role] of rows) {
    const r = await run(ctx, ['team', 'deploy', type, size, '--project-name', 'my-app', '--project', ctx.dir, '--dry-run']);
    assert.is(r.code, 0, r.stderr);
    const file = path.join(ctx.dir, `${type}.yaml`);
    fs.writeFileSync(file, r.stdout);
    const spec = parseSpec(r.stdout, file);
    assert.is(spec.session, 'my-app');
    assert.is(spec.project, ctx.dir);
    const engineers = Array.from({ length: Number(size) }, (_, i) => `${type}-${i + 1}`);
    assert.equal(spec.agents.map((a) => a.name), ['orc', 'pm', ...engineers], type);
    assert.equal(spec.agents.map((a) => a.role), ['orchestrator', 'pm', ...engineers.map(() => role)], type);
    assert.ok(spec.agents.every((a) => a.preset === 'claude' && a.command === undefined), `${type}: preset claude by default`);
    assert.ok(spec.agents.slice(2).every((a) => a.reports_to === 'pm' && /Your focus: /.test(a.brief ?? '')), `${type}: engineers report to the PM`);
    assert.equal(spec.checkins?.map((c) => c.target), ['orc', 'pm']);
    // The saved output deploys as a file does: its own dry run prints it back unchanged.
    const again = await run(ctx, ['team', 'deploy', file, '--dry-run']);
    assert.is(again.stdout, r.stdout);
  }
  const codex = await run(ctx, ['team', 'deploy', 'backend', '2', '--project-name', 'api', '--preset', 'codex', '--dry-run']);
  assert.ok(parseSpec(codex.stdout, path.join(ctx.dir, 'api.yaml')).agents.every((a) => a.preset === 'codex'));
  assert.throws(() => tmux(ctx.sock, 'list-sessions'), 'no tmux server was started');
  assert.not.ok(fs.existsSync(path.join(ctx.root, 'agents')), 'no agent recorded');
});

T('bad requests: one line, exit 2', async (ctx) => {
  oneLine(await run(ctx, ['team', 'deploy', 'frontend', '--project-name', 'x']), 2, /team deploy frontend needs SIZE/);
  oneLine(await run(ctx, ['team', 'deploy', 'web', '2', '--project-name', 'x']), 2, /unknown team type "web" \(known: frontend, backend, fullstack, qa/);
  for (const size of ['0', '-1', '2.5', 'many', '21']) oneLine(await run(ctx, ['team', 'deploy', 'qa', size, '--project-name', 'x']), 2, /SIZE ".*" must be a whole number of engineers from 1 to 20/);
  oneLine(await run(ctx, ['team', 'deploy', 'qa', '2']), 2, /needs --project-name NAME/);
  oneLine(await run(ctx, ['team', 'deploy', 'qa', '2', '--project-name', 'a b']), 2, /--project-name "a b": use letters/);
  oneLine(await run(ctx, ['team', 'deploy', 'qa', '2', '--project-name', 'x', '--preset', 'gpt']), 2, /unknown preset "gpt"/);
  const spec = path.join(ctx.dir, 'team.yaml');
  fs.writeFileSync(spec, `session: x\nproject: .\nagents:\n  - name: a\n    role: engineer\n    command: cat\n`);
  oneLine(await run(ctx, ['team', 'deploy', spec, '--preset', 'codex']), 2, /--preset goes with team deploy TYPE SIZE/);
});

T('a real deploy of backend 2 with --command: orchestrator, PM, two engineers started and briefed in order, check-ins armed', async (ctx) => {
  const r = await run(ctx, ['team', 'deploy', 'backend', '2', '--project-name', 'shop', '--project', ctx.dir, '--command', `node ${FAKE_AGENT}`]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /orc \(orchestrator\): started\n\s+pm \(pm\): started\n\s+backend-1 \(engineer\): started\n\s+backend-2 \(engineer\): started/);
  assert.match(r.stdout, /check-in \S+ → orc: armed\n\s+check-in \S+ → pm: armed/);
  await waitFor('four briefings', () => received(ctx).length === 4, 10_000);
  const [orc, pm, b1, b2] = ['orc', 'pm', 'backend-1', 'backend-2'].map((n) => received(ctx, n)[0] ?? '');
  assert.match(orc, /^You are orc, the orchestrator of this team, working in tmux session "shop"\.\n\nYour team:\norc \(orchestrator\)\npm \(pm\)\nbackend-1 \(engineer\)\nbackend-2 \(engineer\)\n/);
  assert.match(pm, /^You are pm, project manager, working in .*\nYou report to orc\./s);
  assert.match(b1, /^You are backend-1, a backend engineer, .*\nYour project manager is pm;.*\nYour focus: the server side/s);
  assert.match(b2, /^You are backend-2, a backend engineer/);
  const windows = tmux(ctx.sock, 'list-windows', '-t', '=shop', '-F', '#{window_name}').trim().split('\n').sort();
  assert.equal(windows, ['backend-1', 'backend-2', 'orc', 'pm', 'scheduler']);
  const status = await run(ctx, ['team', 'status', '--session', 'shop']);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /backend-2\s+engineer/);
});

T.run();
