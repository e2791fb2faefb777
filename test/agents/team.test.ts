/** Teams end to end: deploy (twice), status, standup, kill; spec errors; revive after kill-server; worktrees. */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { FAKE_AGENT, oneLine, received, run, setup, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('team');
T.before.each((ctx) => setup(ctx, { FAKE_STANDUP: '1' }));
T.after.each((ctx) => teardown(ctx));

function writeSpec(ctx: Ctx, extra = ''): string {
  const agent = (name: string, role: string, cwd: string) => `  - name: ${name}
    role: ${role}
    command: node ${FAKE_AGENT}
    ready_pattern: "^fake>"
    cwd: ${cwd}
    brief: briefs/${role}.md
    env:
      TEAM_COLOUR: blue
`;
  fs.mkdirSync(path.join(ctx.dir, 'briefs'), { recursive: true });
  fs.mkdirSync(path.join(ctx.dir, 'web'), { recursive: true });
  for (const role of ['orchestrator', 'pm', 'engineer']) fs.writeFileSync(path.join(ctx.dir, 'briefs', `${role}.md`), `I am {{name}}, {{role}}, reporting to {{reports_to}}.`);
  const file = path.join(ctx.dir, 'team.yaml');
  fs.writeFileSync(
    file,
    `session: team\nproject: .\nagents:\n${agent('eng1', 'engineer', 'web')}${agent('orc', 'orchestrator', '.')}${agent('pm1', 'pm', 'web')}checkins:\n  - target: pm1\n    note: Check on eng1\n    every: 1h\n${extra}`,
  );
  return file;
}

const windows = (ctx: Ctx) => tmux(ctx.sock, 'list-windows', '-t', '=team', '-F', '#{window_name} #{pane_id}').trim().split('\n').sort();

T('deploy starts and briefs orchestrator, PM, engineer in order; a second deploy creates nothing', async (ctx) => {
  const spec = writeSpec(ctx);
  let r = await run(ctx, ['team', 'deploy', spec]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /orc \(orchestrator\): started\n\s+pm1 \(pm\): started\n\s+eng1 \(engineer\): started/);
  await waitFor('three briefings', () => received(ctx).length === 3);
  assert.equal(received(ctx), ['I am orc, orchestrator, reporting to .', 'I am pm1, pm, reporting to orc.', 'I am eng1, engineer, reporting to pm1.']);
  const before = windows(ctx);
  assert.equal(before.map((w) => w.split(' ')[0]), ['eng1', 'orc', 'pm1', 'scheduler']);
  assert.is(tmux(ctx.sock, 'display-message', '-p', '-t', '=team:=eng1', '#{pane_current_path}').trim(), fs.realpathSync(path.join(ctx.dir, 'web')));

  r = await run(ctx, ['team', 'deploy', spec, '--json']);
  assert.is(r.code, 0, r.stderr);
  const again = JSON.parse(r.stdout) as { agents: Array<{ result: string }>; checkins: Array<{ result: string }>; scheduler: string };
  assert.equal(again.agents.map((a) => a.result), ['kept', 'kept', 'kept']);
  assert.equal(again.checkins.map((c) => c.result), ['kept']);
  assert.is(again.scheduler, 'running');
  assert.equal(windows(ctx), before, 'same windows, same panes');
  assert.is(received(ctx).length, 3, 'nobody briefed twice');
  const sched = JSON.parse((await run(ctx, ['schedule', 'list', '--json'])).stdout) as unknown[];
  assert.is(sched.length, 1);

  r = await run(ctx, ['team', 'status']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 4);
  assert.match(lines[1], /^orc\s+orchestrator\s+(starting|idle|busy)\s+\S+ ago\s+I am orc/);
  assert.match(lines[3], /^eng1\s+engineer/);

  r = await run(ctx, ['team', 'standup', '--timeout', '20s']);
  assert.is(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^Standup s\w+ /);
  for (const n of ['orc', 'pm1', 'eng1']) assert.match(r.stdout, new RegExp(`^${n} \\(\\w+\\)\\s+${n}: all good, next: more tests$`, 'm'));

  r = await run(ctx, ['broadcast', '--role', 'engineer', '--from', 'orc', 'Code freeze at five']);
  assert.is(r.code, 0, r.stderr);
  await waitFor('broadcast', () => received(ctx, 'eng1').includes('[from orc] Code freeze at five'));
  assert.not.ok(received(ctx, 'pm1').includes('[from orc] Code freeze at five'));

  r = await run(ctx, ['team', 'kill', spec]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /killed 3 agent\(s\)/);
  assert.equal(windows(ctx).map((w) => w.split(' ')[0]), ['scheduler']);
  assert.equal(JSON.parse((await run(ctx, ['agent', 'list', '--json'])).stdout), []);
  assert.equal(JSON.parse((await run(ctx, ['schedule', 'list', '--json'])).stdout), []);
});

T('bad specs and bad agents: one line naming the field and line, nothing created', async (ctx) => {
  const spec = writeSpec(ctx);
  const text = fs.readFileSync(spec, 'utf8');
  fs.writeFileSync(spec, text.replace('    role: pm\n', ''));
  oneLine(await run(ctx, ['team', 'deploy', spec]), 2, /team\.yaml:\d+: agents\[2\]\.role: is required/);
  fs.writeFileSync(spec, text.replace(`command: node ${FAKE_AGENT}\n    ready_pattern: "^fake>"\n    cwd: web\n    brief: briefs/pm.md`, 'preset: gemini\n    cwd: web'));
  oneLine(await run(ctx, ['team', 'deploy', spec]), 2, /team\.yaml:22: agents\[2\]\.preset: unknown preset "gemini"/);
  fs.writeFileSync(spec, text.replace(`command: node ${FAKE_AGENT}\n    ready_pattern: "^fake>"\n    cwd: web\n    brief: briefs/pm.md`, 'command: no-such-agent-cli --fast\n    cwd: web'));
  oneLine(await run(ctx, ['team', 'deploy', spec]), 3, /agent command not installed: no-such-agent-cli is not on PATH/);
  oneLine(await run(ctx, ['team', 'deploy', path.join(ctx.dir, 'nope.yaml')]), 3, /team spec not found/);
  oneLine(await run(ctx, ['agent', 'spawn', '--name', 'x', '--role', 'engineer', '--preset', 'gpt']), 2, /unknown preset "gpt"/);
  oneLine(await run(ctx, ['agent', 'spawn', '--name', 'x', '--role', 'engineer', '--command', 'not-installed-xyz']), 3, /agent command not installed/);
  oneLine(await run(ctx, ['agent', 'spawn', '--name', 'a:b', '--role', 'engineer', '--preset', 'shell']), 2, /invalid agent name/);
  assert.throws(() => tmux(ctx.sock, 'list-sessions'), 'no tmux server was started');
  assert.equal(JSON.parse((await run(ctx, ['agent', 'list', '--json'])).stdout), []);
});

T('agent revive after kill-server: same windows, same cwd, briefing re-sent; worktree per agent', async (ctx) => {
  const repo = path.join(ctx.dir, 'app');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  fs.writeFileSync(path.join(repo, 'src', 'x.txt'), 'x\n');
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'init', '--allow-empty']);
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'files']);
  const spawn = async (name: string, role: string, ...more: string[]) => {
    const r = await run(ctx, ['agent', 'spawn', '--name', name, '--role', role, '--command', `node ${FAKE_AGENT}`, '--ready-pattern', '^fake>', '--brief', `brief of ${name}`, ...more]);
    assert.is(r.code, 0, r.stderr);
  };
  await spawn('pm1', 'pm', '--cwd', repo);
  await spawn('eng1', 'engineer', '--cwd', path.join(repo, 'src'), '--worktree');
  const wt = path.join(ctx.dir, 'app-worktrees', 'eng1');
  assert.ok(fs.existsSync(path.join(wt, 'src', 'x.txt')), 'worktree checked out');
  assert.is(execFileSync('git', ['-C', wt, 'branch', '--show-current'], { encoding: 'utf8' }).trim(), 'agent/eng1');
  const cwdOf = (n: string) => tmux(ctx.sock, 'display-message', '-p', '-t', `=team:=${n}`, '#{pane_current_path}').trim();
  assert.is(cwdOf('eng1'), fs.realpathSync(path.join(wt, 'src')));
  await waitFor('briefs', () => received(ctx).length === 2);

  tmux(ctx.sock, 'kill-server');
  let r = await run(ctx, ['agent', 'status', '--json']);
  assert.equal((JSON.parse(r.stdout) as Array<{ state: string }>).map((s) => s.state), ['dead', 'dead']);
  r = await run(ctx, ['agent', 'revive']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').sort(), ['eng1: revived', 'pm1: revived']);
  assert.is(cwdOf('pm1'), fs.realpathSync(repo));
  assert.is(cwdOf('eng1'), fs.realpathSync(path.join(wt, 'src')));
  await waitFor('briefs re-sent', () => received(ctx).length === 4);
  assert.equal(received(ctx, 'eng1'), ['brief of eng1', 'brief of eng1']);
  r = await run(ctx, ['agent', 'revive']);
  assert.equal(r.stdout.trim().split('\n').sort(), ['eng1: running', 'pm1: running']);
  r = await run(ctx, ['agent', 'kill', 'eng1']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(wt), 'the worktree (the work) is kept');
  oneLine(await run(ctx, ['agent', 'kill', 'eng1']), 3, /no agent "eng1"/);
});

T.run();
