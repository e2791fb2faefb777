/** Pure parts of the session layer: tmux argv builders, parsers and formatters, no tmux needed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as A from '../../src/tmux/argv.js';
import { SEP } from '../../src/tmux/client.js';
import { OrcError } from '../../src/errors.js';
import { parseWorkerCount } from '../../src/session/init.js';
import { parseSubset, workerPaneCommand } from '../../src/session/tasks.js';
import { parseWorkerIndex } from '../../src/session/send.js';
import { checkBarrierName, channel } from '../../src/coord/barrier.js';
import { fileStem, type Pane } from '../../src/session/panes.js';
import { pipeCommand } from '../../src/session/logs.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trimBlankTail } from '../../src/session/capture.js';
import { sessionConfig } from '../../src/session/context.js';
import { paneWord, workerWord, type PaneStatus } from '../../src/session/status.js';
import { insideServer } from '../../src/cli/commands/session/attach.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof OrcError ? err.code : `not an OrcError: ${err}`;
  }
  return undefined;
};

test('argv builders target ids and keep text as one word', () => {
  const table: Array<[string[], string[]]> = [
    [A.sendLiteral('%3', `'"$HOME; ünï`), ['send-keys', '-t', '%3', '-l', '--', `'"$HOME; ünï`]],
    [A.sendLiteral('%3', '-n leading dash'), ['send-keys', '-t', '%3', '-l', '--', '-n leading dash']],
    [A.sendKeys('%3', 'Enter'), ['send-keys', '-t', '%3', 'Enter']],
    [A.cancelMode('%3'), ['send-keys', '-X', '-t', '%3', 'cancel']],
    [A.setWindowOption('@2', 'remain-on-exit', 'on'), ['set-option', '-w', '-t', '@2', 'remain-on-exit', 'on']],
    [A.setSessionOption('$1', 'base-index', '1'), ['set-option', '-t', '$1', 'base-index', '1']],
    [A.setPaneOption('%4', '@orc_worker', '2'), ['set-option', '-p', '-t', '%4', '@orc_worker', '2']],
    [A.setEnvironment('$1', 'TASK_ROOT', '/a b'), ['set-environment', '-t', '$1', 'TASK_ROOT', '/a b']],
    [A.capturePane('%1'), ['capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', '%1']],
    [A.pipePaneOpen('%1', 'cat'), ['pipe-pane', '-o', '-t', '%1', 'cat']],
    [A.pipePaneOpen('%1', `awk '{print strftime("%H")}' >> '/l/#1.log'`), ['pipe-pane', '-o', '-t', '%1', `awk '{print strftime("%%H")}' >> '/l/##1.log'`]],
    [A.pipePaneClose('%1'), ['pipe-pane', '-t', '%1']],
    [A.newWindow('$1', 'workers', '/tmp'), ['new-window', '-d', '-t', '$1:', '-n', 'workers', '-c', '/tmp', '-P', '-F', `#{window_id}${SEP}#{pane_id}`]],
    [A.renumberWindows('$1'), ['move-window', '-r', '-t', '$1:']],
    [A.killSession('$1'), ['kill-session', '-t', '$1']],
  ];
  for (const [got, want] of table) assert.equal(got, want);
});

test('parseWorkerCount: 1..64 only', () => {
  for (const [raw, want] of [['1', 1], ['4', 4], [' 64 ', 64]] as const) assert.is(parseWorkerCount(raw), want);
  for (const raw of ['0', 'abc', '-1', '1.5', '65', '', '2x']) assert.is(code(() => parseWorkerCount(raw)), 'usage', raw);
});

test('parseSubset: lists and ranges, bounded by the worker count', () => {
  assert.equal(parseSubset('0,2-3', 4), [0, 2, 3]);
  assert.equal(parseSubset('3,1,1', 4), [1, 3]);
  assert.equal(parseSubset(' 0 - 1 '.replace(/ /g, ''), 2), [0, 1]);
  for (const raw of ['a', '1-', '-1', '2-1', '0;1', '']) assert.is(code(() => parseSubset(raw, 4)), 'usage', raw);
  assert.is(code(() => parseSubset('4', 4)), 'not-found');
});

test('parseWorkerIndex: a number or a usage error', () => {
  assert.is(parseWorkerIndex('2'), 2);
  for (const raw of ['x', '-1', '1.0', '', '1 2']) assert.is(code(() => parseWorkerIndex(raw)), 'usage', raw);
});

test('barrier names: no spaces, slashes or dot-names', () => {
  for (const ok of ['phase1', 'a.b-c_d', 'X9']) assert.is(code(() => checkBarrierName(ok)), undefined, ok);
  for (const bad of ['a b', 'a/b', '..', '.', '.hidden', '', '-x', 'ü', 'x'.repeat(129)]) assert.is(code(() => checkBarrierName(bad)), 'usage', bad);
  assert.is.not(channel('/r1', 'p'), channel('/r2', 'p'));
});

test('file stems name session, window and worker number', () => {
  const pane = (over: Partial<Pane>): Pane => ({ session: 'agents', windowId: '@1', windowIndex: 1, windowName: 'workers', role: 'workers', paneId: '%1', paneIndex: 1, pid: 1, dead: false, inMode: false, piped: false, command: 'bash', title: '', ...over });
  assert.is(fileStem(pane({ worker: 2 })), 'agents.workers.worker-2');
  assert.is(fileStem(pane({ windowName: 'master', role: 'master', paneIndex: 1 })), 'agents.master.1');
  assert.is(fileStem(pane({ windowName: 'a/b c', role: '', paneIndex: 0 })), 'agents.a_b_c.0');
});

test('log pipes run the Perl writer on a quoted file with the rotation', () => {
  const cmd = pipeCommand("/tmp/it's here.log", { maxBytes: 4096, keep: 3 }, '/usr/bin/perl');
  assert.match(cmd, /^exec \/usr\/bin\/perl '?\/\S+\/pane-log\.pl'? '\/tmp\/it'\\''s here\.log' 4096 3$/);
});

test('a worker line gets one timestamp in a pane log: the writer drops its short time, keeps everything else', () => {
  const input = '12:34:56 worker-0 start t1 true\nplain 12:34:56 worker-0\n12:34:56 not a worker line\nno newline at the end';
  const want = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ worker-0 start t1 true\n\S+Z plain 12:34:56 worker-0\n\S+Z 12:34:56 not a worker line\n\S+Z no newline at the end\n$/;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-pl-'));
  try {
    const file = path.join(dir, 'p.log');
    const before = Math.floor(Date.now() / 1000) * 1000;
    execFileSync('sh', ['-c', pipeCommand(file, { maxBytes: 0, keep: 5 })], { input, env: { ...process.env, TZ: 'America/New_York' } });
    const out = fs.readFileSync(file, 'utf8');
    assert.match(out, want);
    const t = Date.parse(out.slice(0, 20));
    assert.ok(t >= before && t <= Date.now(), `${out.slice(0, 20)} is UTC now`);
    assert.is(fs.statSync(file).mode & 0o777, 0o600);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('worker pane command: absolute worker, then a fresh shell', () => {
  const cmd = workerPaneCommand(3, '/r o/ot');
  assert.match(cmd, /^\/\S+ .*cli\.(js|ts) worker --id 3 --root '\/r o\/ot'; echo "tmux-orc: worker-3 exited with status \$\?"; exec "\$\{SHELL:-\/bin\/sh\}"$/);
});

test('trimBlankTail drops the empty screen rows only', () => {
  assert.is(trimBlankTail('a\n\nb\n\n\n\n'), 'a\n\nb\n');
  assert.is(trimBlankTail('\n\n'), '');
});

test('sessionConfig: seed defaults, base indexes 1, bad settings refused', () => {
  const c = sessionConfig({});
  assert.equal([c.socket, c.session, c.masterWindow, c.workersWindow, c.workers, c.historyLimit, c.remainOnExit, c.allowRename, c.layout, c.baseIndex, c.paneBaseIndex], ['claude', 'agents', 'master', 'workers', 4, 50000, 'on', 'off', 'tiled', 1, 1]);
  assert.is(sessionConfig({ TMUX_BASE_INDEX: '0' }).baseIndex, 0);
  for (const env of [{ TMUX_SESSION: 'a.b' }, { TMUX_SESSION: 'a:b' }, { TMUX_SOCKET: 'x/y' }, { TMUX_BASE_INDEX: 'one' }, { TMUX_REMAIN_ON_EXIT: 'maybe' }, { MASTER_WINDOW: 'w', WORKERS_WINDOW: 'w' }]) {
    assert.is(code(() => sessionConfig(env)), 'usage', JSON.stringify(env));
  }
});

test('status words', () => {
  const base = { target: 'a:w.1', session: 'a', window: 'w', windowId: '@1', paneId: '%1', paneIndex: 1, title: 't', command: 'bash', inMode: false, logging: false } as const;
  const rows: Array<[PaneStatus, string, string]> = [
    [{ ...base, dead: false }, 'alive', '-'],
    [{ ...base, dead: true, exitStatus: '1', worker: 0, workerState: { state: 'stopped' } }, 'dead (exit 1)', 'stopped'],
    [{ ...base, dead: true, exitStatus: 'signal 9' }, 'dead (signal 9)', '-'],
    [{ ...base, dead: true }, 'dead', '-'],
    [{ ...base, dead: false, worker: 1, workerState: { state: 'busy', pid: 5, task: { id: 't1', cmd: 'x', started: 0, elapsedMs: 65_000 } } }, 'alive', 'busy t1 1m05s'],
    [{ ...base, dead: false, worker: 2, workerState: { state: 'crashed', pid: 9 } }, 'alive', 'crashed (pid 9 gone; tasks-start restarts it)'],
  ];
  for (const [row, pane, worker] of rows) {
    assert.is(paneWord(row), pane);
    assert.is(workerWord(row), worker);
  }
});

test('attach switches instead of nesting only when inside the same server', () => {
  assert.ok(insideServer('/tmp/tmux-0/claude,123,0', 'claude'));
  assert.not.ok(insideServer('/tmp/tmux-0/default,123,0', 'claude'));
  assert.not.ok(insideServer(undefined, 'claude'));
});

test.run();
