/** A program with no known prompt and no --ready-pattern: ready once its screen is quiet (QUIET_READY_MS), even an empty one. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers.ts';
import { run, setup, teardown, type Ctx } from './fixture.ts';

const T = suite<Ctx>('spawn: quiet screen is ready');
T.before.each((ctx) => setup(ctx));
T.after.each((ctx) => teardown(ctx));

T('`cat > file` (prints nothing, no prompt) is briefed once its screen is quiet; status idle', async (ctx) => {
  const out = path.join(ctx.dir, 'out.txt');
  const r = await run(ctx, ['agent', 'spawn', '--name', 'cat', '--role', 'engineer', '--cwd', ctx.dir, '--command', `cat > ${out}`, '--brief', 'the briefing\nsecond line', '--ready-timeout', '20s']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /cat: ready, briefed/);
  await waitFor('briefing in the file', () => fs.readFileSync(out, 'utf8') === 'the briefing\nsecond line\n', 5000);
  const s = await waitFor('idle', async () => {
    const st = JSON.parse((await run(ctx, ['agent', 'status', 'cat', '--json', '--quiet', '1s', '--debounce', '1s'])).stdout) as { state: string; reason: string };
    return st.state === 'idle' ? st : undefined;
  }, 15_000, 200);
  assert.match(s!.reason, /^screen unchanged for \d+s$/);
});

T.run();
