import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatAge, formatDuration, parseDuration, parseTime } from '../../src/time.ts';
import { commandLine, specFromArgs, turnFromArgs } from '../../src/cli/commands/tasks/enqueue-args.ts';
import { VERSION } from '../../src/version.ts';
import pkg from '../../package.json' with { type: 'json' };

for (const [text, ms] of [['90', 90_000], ['90s', 90_000], ['1.5m', 90_000], ['2h', 7_200_000], ['250ms', 250], ['1d', 86_400_000], [' 3s ', 3000], ['1h30m', 5_400_000], ['1m30s500ms', 90_500], ['365d', 31_536_000_000]] as const) {
  test(`duration ${JSON.stringify(text)} = ${ms} ms`, () => assert.is(parseDuration(text), ms));
}
for (const bad of ['', 'x', '-1s', '1w', '1 s', '1e3', '366d', '8761h', '99999999999999999999d', 'h1', '1h-30m']) {
  test(`duration ${JSON.stringify(bad)} is refused`, () => assert.throws(() => parseDuration(bad)));
}
test('format durations and ages', () => {
  assert.equal([90_000, 600_000, 1500, 7_200_000].map(formatDuration), ['90s', '10m', '1500ms', '2h']);
  assert.equal([5_000, 252_000, 7_500_000].map(formatAge), ['5s', '4m12s', '2h05m']);
});
test('times: ISO, @epoch, HH:MM today or tomorrow', () => {
  const now = new Date(2026, 5, 1, 12, 0, 0).getTime();
  assert.is(parseTime('2026-06-01T10:00:00Z'), Date.parse('2026-06-01T10:00:00Z'));
  assert.is(parseTime('@1767225600'), 1767225600000);
  assert.is(parseTime('13:30', now), new Date(2026, 5, 1, 13, 30).getTime());
  assert.is(parseTime('11:00', now), new Date(2026, 5, 2, 11, 0).getTime());
  assert.throws(() => parseTime('25:00', now));
  assert.throws(() => parseTime('soon', now));
});

test('one word is a command line as is; several are quoted so argv is kept', () => {
  assert.is(commandLine(['make && make test']), 'make && make test');
  assert.is(commandLine(['bash', '-lc', 'echo $FOO']), "bash -lc 'echo $FOO'");
  assert.is(commandLine(['printf', '%s\n', "it's"]), "printf '%s\n' 'it'\\''s'");
});

test('enqueue arguments become a spec; bad ones are usage errors', () => {
  const now = 1_000_000;
  const s = specFromArgs({ cwd: 'sub', in: '10m', after: ['a,b', 'c'], timeout: '5s' }, 'x', '/base', now);
  assert.equal([s.cwd, s.at, s.after, s.timeoutMs], ['/base/sub', now + 600_000, ['a', 'b', 'c'], 5000]);
  for (const bad of [{ in: '1m', at: '10:00' }, { timeout: '0' }, { every: '0s' }, { retries: -1 }, { in: 'soon' }, { at: 'never' }]) {
    assert.throws(() => specFromArgs(bad, 'x', '/', now), (e: { code?: string }) => e.code === 'usage');
  }
});

test("an agent's turn takes the queue options of assign; the others are refused, none dropped", () => {
  const now = 1_000_000;
  const t = turnFromArgs({ id: 'x', priority: 3, after: ['a,b'], in: '10m', timeout: '5m', retries: 2, backoff: '2s' }, 'do it', now);
  assert.equal(t, { text: 'do it', id: 'x', priority: 3, after: ['a', 'b'], at: now + 600_000, timeoutMs: 300_000, retries: 2, backoffMs: 2000 });
  for (const [args, opt] of [[{ stdin: true }, '--stdin'], [{ every: '1m' }, '--every'], [{ env: ['A=1'] }, '--env'], [{ cwd: '/' }, '--cwd'], [{ label: 'l' }, '--label'],
    [{ afterAny: ['a'] }, '--after-any'], [{ hold: true }, '--hold'], [{ unique: 'k' }, '--unique'], [{ onFinish: 'x' }, '--on-finish'], [{ group: 'g' }, '--group'], [{ lock: 'l' }, '--lock']] as Array<[Parameters<typeof turnFromArgs>[0], string]>) {
    assert.throws(() => turnFromArgs(args, 'do it', now), (e: { code?: string; message: string }) => e.code === 'usage' && e.message.startsWith(`${opt} cannot be used with --agent`));
  }
  assert.is(turnFromArgs({ hold: false }, 'ok', now).text, 'ok');
  for (const bad of [[{}, ' \n'], [{ timeout: '0' }, 'x'], [{ in: '1m', at: '10:00' }, 'x']] as Array<[Parameters<typeof turnFromArgs>[0], string]>) {
    assert.throws(() => turnFromArgs(bad[0], bad[1], now), (e: { code?: string }) => e.code === 'usage');
  }
});

test('VERSION matches package.json', () => assert.is(VERSION, pkg.version));

test.run();
