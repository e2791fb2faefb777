/** Which programs a worker runs its tasks with: a table of environments and what is installed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseLauncher } from '../../src/worker/choose-launcher.ts';

// [what, TMUX_ORC_LAUNCHER, PATH, executables present, perl or error]
const cases: Array<[string, string | undefined, string, string[], string]> = [
  ['perl and bash on PATH', undefined, '/a:/b', ['/b/perl', '/a/bash'], '/b/perl'],
  ['asked for perl', 'perl', '/a', ['/a/perl', '/a/bash'], '/a/perl'],
  ['the first on PATH wins', undefined, '/a:/b', ['/a/perl', '/b/perl', '/b/bash'], '/a/perl'],
  ['no perl', undefined, '/a', ['/a/bash'], 'perl is not on PATH'],
  ['perl forced, none installed', 'perl', '/a', ['/a/bash'], 'perl is not on PATH'],
  ['no bash', undefined, '/a', ['/a/perl'], 'bash is not on PATH'],
  ['another launcher asked for', 'node', '/a', ['/a/perl', '/a/bash'], 'TMUX_ORC_LAUNCHER=node: the only launcher is perl'],
  ['empty PATH entries are skipped', undefined, ':/a:', ['/a/perl', '/a/bash'], '/a/perl'],
];

for (const [what, wanted, PATH, present, expected] of cases) {
  test(what, () => {
    let got: string;
    try {
      got = chooseLauncher({ TMUX_ORC_LAUNCHER: wanted, PATH }, (f) => present.includes(f)).perl;
    } catch (err) {
      got = (err as Error).message;
    }
    assert.ok(got.startsWith(expected), `${what}: ${got}`);
  });
}

test.run();
