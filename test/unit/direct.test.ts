import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directArgv } from '../../src/worker/direct.ts';

// [command line, argv it is exec'd with, or undefined: bash runs it]
const lines: Array<[string, string[] | undefined]> = [
  ['make test', ['make', 'test']],
  ['  sleep\t0.01  ', ['sleep', '0.01']],
  ['./build.sh --out=dist -j4 a,b x:y @z 50% ^', ['./build.sh', '--out=dist', '-j4', 'a,b', 'x:y', '@z', '50%', '^']],
  ['env FOO=bar prog', ['env', 'FOO=bar', 'prog']],
  ['true', ['true']],
  ['false', ['false']],
  ['true --help', undefined],
  ['echo hi', undefined],
  ['cd /tmp', undefined],
  ['exit 3', undefined],
  ['kill -TERM 1', undefined],
  ['[ -f x ]', undefined],
  ['time make', undefined],
  ['! make', undefined],
  ['FOO=bar prog', undefined],
  ['echo $HOME', undefined],
  ['ls *.ts', undefined],
  ['ls file?', undefined],
  ['ls ~', undefined],
  ['make && make test', undefined],
  ['make; make test', undefined],
  ['make | tee log', undefined],
  ['make > log', undefined],
  ['make 2>&1', undefined],
  ['prog "quoted arg"', undefined],
  ["prog 'quoted'", undefined],
  ['prog a\\ b', undefined],
  ['prog `id`', undefined],
  ['prog {a,b}', undefined],
  ['prog # comment', undefined],
  ['prog (x)', undefined],
  ['line1\nline2', undefined],
  ['prog ünï', undefined],
  ['', undefined],
  ['   ', undefined],
];

for (const [line, argv] of lines) {
  test(`direct exec: ${JSON.stringify(line)}`, () => {
    assert.equal(directArgv(line), argv);
  });
}

test.run();
