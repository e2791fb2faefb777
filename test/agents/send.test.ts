/** `send` end to end against the fake agent: exactly once, one submission, copy mode, lost Enter, bad input. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { oneLine, received, run, setup, spawnFake, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('send');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

T('multi-line and special-character messages arrive exactly once, as one submission each', async (ctx) => {
  await spawnFake(ctx, 'eng1', '--brief', 'Hello {{name}}, you are the {{role}}.');
  await waitFor('briefing', () => received(ctx, 'eng1').length === 1);
  assert.equal(received(ctx, 'eng1'), ['Hello eng1, you are the engineer.']);
  const messages = [
    'line one\nline two\n\nline four after a blank',
    `quotes ' " \` $HOME $(rm -rf /) \\ back\\slash; semi; && || > < | * ? ~ # % { } [ ]`,
    'unicode: naïve café — 日本語 ✓ 🚀\ttab\there',
    '-starts with a dash',
  ];
  for (const m of messages) {
    const r = await run(ctx, ['send', 'eng1', '-'], m);
    assert.is(r.code, 0, r.stderr);
  }
  const r = await run(ctx, ['send', 'eng1', '--from', 'pm1', 'from', 'the', 'pm']);
  assert.is(r.code, 0, r.stderr);
  await waitFor('all messages', () => received(ctx, 'eng1').length === 6);
  assert.equal(received(ctx, 'eng1').slice(1), [...messages, '[from pm1] from the pm']);
  const log = await run(ctx, ['messages', '--agent', 'eng1', '--json']);
  const logged = JSON.parse(log.stdout) as Array<{ to: string; text: string; status: string; from?: string }>;
  assert.is(logged.length, 6);
  assert.ok(logged.every((m) => m.to === 'eng1' && m.status === 'delivered'));
  assert.is(logged[5].from, 'pm1');
  const last2 = await run(ctx, ['messages', '-n', '2']);
  assert.is(last2.stdout.trim().split('\n').length, 2);
});

T('a message to a pane in copy mode arrives, and a lost Enter is detected and pressed again', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  tmux(ctx.sock, 'copy-mode', '-t', 'team:eng1');
  assert.is(tmux(ctx.sock, 'display-message', '-p', '-t', 'team:eng1', '#{pane_in_mode}').trim(), '1');
  let r = await run(ctx, ['send', 'eng1', 'while in copy mode']);
  assert.is(r.code, 0, r.stderr);
  await waitFor('copy-mode message', () => received(ctx).includes('while in copy mode'));
  r = await run(ctx, ['send', 'eng1', '/drop-enter']);
  assert.is(r.code, 0, r.stderr);
  r = await run(ctx, ['send', 'team:eng1', 'the Enter for this one is lost']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Enter pressed twice/);
  await waitFor('message after lost Enter', () => received(ctx).includes('the Enter for this one is lost'));
  assert.equal(received(ctx), ['while in copy mode', '/drop-enter', 'the Enter for this one is lost']);
});

T('bad input and dead targets: one line, documented exit code, nothing sent', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  oneLine(await run(ctx, ['send', 'eng1', '']), 2, /empty message/);
  oneLine(await run(ctx, ['send', 'eng1', '-'], '  \n'), 2, /empty message/);
  oneLine(await run(ctx, ['send', 'eng1', '-'], 'x'.repeat(64 * 1024 + 1)), 2, /over the 65536-byte \(64 KiB\) limit/);
  oneLine(await run(ctx, ['send', 'nobody', 'hi']), 3, /unknown target "nobody"/);
  oneLine(await run(ctx, ['send', 'team:nowindow', 'hi']), 3, /unknown target "team:nowindow"/);
  let r = await run(ctx, ['send', 'eng1', '/exit 4']);
  assert.is(r.code, 0, r.stderr);
  await waitFor('pane dead', () => tmux(ctx.sock, 'display-message', '-p', '-t', 'team:eng1', '#{pane_dead}').trim() === '1');
  // tmux 3.3a sometimes marks a pane dead without ever filling in its exit status: then it is "?".
  oneLine(await run(ctx, ['send', 'eng1', 'anyone there?']), 9, /agent eng1 is dead: pane %\d+ exited with status (4|\?) \(restart it: tmux-orc agent revive eng1\)/);
  tmux(ctx.sock, 'kill-server');
  oneLine(await run(ctx, ['send', 'eng1', 'anyone there?']), 9, /agent eng1 is dead: it has no pane/);
  assert.equal(received(ctx), ['/exit 4']);
  r = await run(ctx, ['messages', '--json']);
  const statuses = (JSON.parse(r.stdout) as Array<{ status: string }>).map((m) => m.status);
  assert.equal(statuses, ['delivered', 'failed', 'failed']);
});

T.run();
