/** Before a paste the agent's input box must be empty: text that cannot be cleared is never appended to. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmux, waitFor } from '../helpers.ts';
import { loadAgent, saveAgent } from '../../src/agents/registry.ts';
import { oneLine, received, run, setup, spawnFake, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('input box');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

T('text left in the input box that Ctrl-U cannot delete: the send is refused (exit 9, saying what is there), nothing submitted', async (ctx) => {
  await spawnFake(ctx, 'eng1');
  // The fake agent ignores Ctrl-U; give its record an input pattern so the box is checked.
  const rec = loadAgent(ctx.root, 'eng1')!;
  saveAgent(ctx.root, { ...rec, patterns: { ...rec.patterns, input: String.raw`^fake>[^\S\n]?(.*)$` } });
  tmux(ctx.sock, 'send-keys', '-t', 'team:eng1', '-l', 'half-typed');
  await waitFor('typed text on screen', () => /^fake> half-typed$/m.test(tmux(ctx.sock, 'capture-pane', '-p', '-t', 'team:eng1')), 5000);
  oneLine(await run(ctx, ['send', 'eng1', 'the message']), 9, /its input box holds text that could not be cleared \("half-typed"\); the message was not sent/);
  assert.equal(received(ctx, 'eng1'), [], 'nothing submitted');

  // Emptied by hand, the next send goes through, alone.
  tmux(ctx.sock, 'send-keys', '-t', 'team:eng1', ...Array<string>(10).fill('BSpace'));
  const r = await run(ctx, ['send', 'eng1', 'the message']);
  assert.is(r.code, 0, r.stderr);
  await waitFor('delivered', () => received(ctx, 'eng1').length === 1, 5000);
  assert.equal(received(ctx, 'eng1'), ['the message']);
});

T.run();
