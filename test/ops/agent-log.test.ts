/** Agents' windows are logged from their start; the log outlives the window and is searched per agent. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needingPerl, waitFor } from '../helpers.js';
import { FAKE, run, setup, teardown, type Ctx } from '../agents/fixture.js';

const test = needingPerl(suite<Ctx>('agent logs'), 'agent logs');
test.before.each((ctx) => setup(ctx));
test.after.each((ctx) => teardown(ctx));

test('what an agent printed is in agent-logs/<name>.log, after its window is gone too, and logs search --agent finds it', async (ctx) => {
  const s = await run(ctx, ['agent', 'spawn', '--name', 'eng1', '--role', 'engineer', ...FAKE]);
  assert.is(s.code, 0, s.stderr);
  const log = path.join(ctx.root, 'agent-logs', 'eng1.log');
  // Whole lines are logged (a prompt waiting for input is, once its line ends).
  await waitFor('its first line in the log', () => fs.existsSync(log) && /\dZ .*Fake agent eng1 ready/.test(fs.readFileSync(log, 'utf8')), 20_000);
  assert.is(fs.statSync(log).mode & 0o777, 0o600);
  assert.is((await run(ctx, ['send', 'eng1', 'remember the word zebra-42'])).code, 0);
  await waitFor('the message in the log', () => fs.readFileSync(log, 'utf8').includes('zebra-42'), 20_000);
  assert.is((await run(ctx, ['agent', 'kill', 'eng1'])).code, 0);
  assert.ok(fs.readFileSync(log, 'utf8').includes('zebra-42'), 'the log outlives the window');
  const found = await run(ctx, ['logs', 'search', 'zebra-[0-9]+', '--agent', 'eng1']);
  assert.is(found.code, 0, found.stderr);
  assert.match(found.stdout, /^agent\/eng1:\d+:.*zebra-42/m);
  const other = await run(ctx, ['logs', 'search', 'zebra', '--agent', 'nobody']);
  assert.is(other.code, 1);
});

test.run();
