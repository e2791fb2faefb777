/**
 * Small versions of `npm run stress` (bench/stress-lib.ts): the same checks, sized to run in
 * well under a minute. Correctness only, never timings.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanupAll } from '../bench/measure.ts';
import { chaos, checkIntervals, exactlyOnce, fuzz } from '../bench/stress-lib.ts';

const S = suite('stress (small)');
S.after(() => cleanupAll());

S('interval check: overlapping runs of one ID and a start without an end are caught', () => {
  assert.equal(checkIntervals('S a 1 1.0\nE a 1 2.0\nS a 2 2.5\nE a 2 3.0\n'), []);
  assert.is(checkIntervals('S a 1 1.0\nS a 2 1.5\nE a 2 2.0\nE a 1 2.5\n').length, 1);
  assert.is(checkIntervals('S a 1 1.0\n').length, 1);
});

S('exactly-once: 4 workers, 400 tasks, every ID runs once', async () => {
  const o = await exactlyOnce({ workers: 4, tasks: 400, timeoutMs: 40_000 });
  assert.equal(o.violations, [], o.summary);
});

S('chaos: workers SIGKILLed and restarted for 6 s; nothing lost, no ID twice at once', async () => {
  const o = await chaos({ workers: 3, seconds: 6, killEveryMs: 1000, batch: 100, timeoutMs: 40_000 });
  assert.equal(o.violations, [], o.summary);
});

S('fuzz: 60 junk files end in failed/ as invalid; workers live; real tasks done', async () => {
  const o = await fuzz({ workers: 2, files: 60, real: 40, timeoutMs: 30_000 });
  assert.equal(o.violations, [], o.summary);
});

S.run();
