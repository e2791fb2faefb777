/** `agent status` end to end: each state with its reason, debounced so it does not flap. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { oneLine, run, setup, spawnFake, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('agent status');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

interface Status {
  state: string;
  reason: string;
  idleSeconds?: number;
  observed: { state: string };
}

async function status(ctx: Ctx): Promise<Status> {
  const r = await run(ctx, ['agent', 'status', 'eng1', '--json', '--quiet', '1s', '--debounce', '3s']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status;
}

async function until(ctx: Ctx, state: string, timeoutMs = 25_000): Promise<Status> {
  let last: Status | undefined;
  try {
    return (await waitFor(`state ${state}`, async () => {
      last = await status(ctx);
      return last.state === state ? last : undefined;
    }, timeoutMs, 100))!;
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}\n${tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:eng1').trim()}`);
  }
}

T('states with reasons: idle, waiting-for-input, busy, no flapping on bursts, dead', async (ctx) => {
  await spawnFake(ctx, 'eng1', '--env', 'FAKE_FLICKER_MS=4000');
  let s = await until(ctx, 'idle');
  assert.match(s.reason, /^screen unchanged for \d+s$/);
  assert.type(s.idleSeconds, 'number');

  assert.is((await run(ctx, ['send', 'eng1', '/permission'])).code, 0);
  s = await until(ctx, 'waiting-for-input');
  assert.match(s.reason, /^preset pattern matched: "Do you want to proceed"$/);
  tmux(ctx.sock, 'send-keys', '-t', 'team:eng1', '1');
  await until(ctx, 'idle');

  // Bursts of output with gaps longer than --quiet: the raw look flips, the reported state must not.
  assert.is((await run(ctx, ['send', 'eng1', '/flicker 8.5'])).code, 0);
  const reported = new Set<string>();
  const observed = new Set<string>();
  const end = Date.now() + 8500;
  while (Date.now() < end) {
    const x = await status(ctx);
    reported.add(x.state);
    observed.add(x.observed.state);
  }
  assert.equal([...reported], ['idle'], `reported ${[...reported]} while observing ${[...observed]}`);
  assert.ok(observed.has('busy'), `the bursts were seen: ${[...observed]}`);

  assert.is((await run(ctx, ['send', 'eng1', '/busy 5'])).code, 0);
  s = await until(ctx, 'busy');
  assert.match(s.reason, /^preset pattern matched: "esc to interrupt"$/);
  await until(ctx, 'idle');

  assert.is((await run(ctx, ['send', 'eng1', '/exit 3'])).code, 0);
  s = await until(ctx, 'dead', 5000);
  assert.match(s.reason, /^pane exited with status (3|\?)$/); // tmux 3.3a sometimes never reports the status
  const table = await run(ctx, ['agent', 'status']);
  assert.match(table.stdout, /eng1\s+engineer\s+dead/);
  oneLine(await run(ctx, ['agent', 'status', 'nobody']), 3, /no agent "nobody"/);
});

T.run();
