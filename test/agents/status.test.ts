/** `agent status` end to end: each state with its reason, debounced so it does not flap. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { FAKE_AGENT, oneLine, run, setup, spawnFake, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('agent status');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

interface Status {
  state: string;
  reason: string;
  idleSeconds?: number;
  observed: { state: string };
}

async function status(ctx: Ctx, name = 'eng1'): Promise<Status> {
  const r = await run(ctx, ['agent', 'status', name, '--json', '--quiet', '1s', '--debounce', '3s']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status;
}

async function until(ctx: Ctx, state: string, timeoutMs = 25_000, name = 'eng1'): Promise<Status> {
  let last: Status | undefined;
  try {
    return (await waitFor(`state ${state}`, async () => {
      last = await status(ctx, name);
      return last.state === state ? last : undefined;
    }, timeoutMs, 100))!;
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}\n${tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:eng1').trim()}`);
  }
}

T('states with reasons: idle, waiting-for-input, busy, no flapping on bursts, dead', async (ctx) => {
  await spawnFake(ctx, 'eng1', '--env', 'FAKE_FLICKER_MS=4000');
  let s = await until(ctx, 'idle');
  assert.match(s.reason, /^at its prompt, no busy sign on screen$/);
  assert.type(s.idleSeconds, 'number');

  assert.is((await run(ctx, ['send', 'eng1', '/permission'])).code, 0);
  s = await until(ctx, 'waiting-for-input');
  assert.match(s.reason, /^preset pattern matched: "Do you want to proceed"$/);
  tmux(ctx.sock, 'send-keys', '-t', 'team:eng1', '1');
  await until(ctx, 'idle');

  // Bursts of output with gaps longer than --quiet. With a busy pattern, output elsewhere on the
  // screen is no sign of work: idle throughout. Without one (eng2), the raw look flips with the
  // bursts; the reported state must not.
  const eng2 = await run(ctx, ['agent', 'spawn', '--name', 'eng2', '--role', 'engineer', '--cwd', ctx.dir, '--command', `node ${FAKE_AGENT}`, '--ready-pattern', '^fake>', '--env', 'FAKE_FLICKER_MS=4000']);
  assert.is(eng2.code, 0, eng2.stderr);
  await until(ctx, 'idle', 25_000, 'eng2');
  assert.is((await run(ctx, ['send', 'eng1', '/flicker 8.5'])).code, 0);
  assert.is((await run(ctx, ['send', 'eng2', '/flicker 8.5'])).code, 0);
  const seen = { reported1: new Set<string>(), observed1: new Set<string>(), reported2: new Set<string>(), observed2: new Set<string>() };
  const end = Date.now() + 8500;
  while (Date.now() < end) {
    const [x, y] = [await status(ctx), await status(ctx, 'eng2')];
    seen.reported1.add(x.state);
    seen.observed1.add(x.observed.state);
    seen.reported2.add(y.state);
    seen.observed2.add(y.observed.state);
  }
  assert.equal([...seen.reported1, ...seen.observed1], ['idle', 'idle'], 'with a busy pattern');
  assert.equal([...seen.reported2], ['idle'], `reported ${[...seen.reported2]} while observing ${[...seen.observed2]}`);
  assert.ok(seen.observed2.has('busy'), `the bursts were seen: ${[...seen.observed2]}`);

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

T('a new process in the window starts afresh: the idle of the one before does not carry over', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  await until(ctx, 'idle');
  // Replaced while nobody looked (as `agent revive` does between two looks of the dispatcher): the
  // next look sees a process that has shown no prompt. Held over by the debounce, the old idle would
  // have work typed into a pane whose agent has not started.
  tmux(ctx.sock, 'kill-window', '-t', 'team:eng1');
  tmux(ctx.sock, 'new-window', '-d', '-t', 'team', '-n', 'eng1', 'sleep 600');
  const s = await status(ctx);
  assert.equal([s.state, s.observed.state], ['starting', 'starting'], JSON.stringify(s));
});

T.run();
