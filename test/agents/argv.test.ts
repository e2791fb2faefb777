/**
 * The tmux argv the agents layer (and root resolution) runs, built by src/tmux/argv.ts: sessions
 * by exact name, windows made with their program and environment, pastes through named buffers.
 * Each row is the argv its call site spelled inline before the builders existed, up to the order
 * of options (tmux parses `-t %2 -X` and `-X -t %2` alike).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as A from '../../src/tmux/argv.js';
import { SEP } from '../../src/tmux/client.js';

test('sessions are named exactly, never by prefix', () => {
  const table: Array<[string[], string[]]> = [
    [A.hasSession('agents'), ['has-session', '-t', '=agents']],
    [A.showEnvironment(A.exactSession('agents'), 'TASK_ROOT'), ['show-environment', '-t', '=agents', 'TASK_ROOT']],
    [A.setEnvironment(A.exactSession('a b'), 'TASK_ROOT', '/r o'), ['set-environment', '-t', '=a b', 'TASK_ROOT', '/r o']],
    [A.listAllPanes(['pane_id', 'window_name']), ['list-panes', '-a', '-F', `#{pane_id}${SEP}#{window_name}`]],
  ];
  for (const [got, want] of table) assert.equal(got, want);
});

test('windows and sessions are made with their environment and program, printing the pane id', () => {
  const start = { env: ['TASK_ROOT=/r', 'X=a b'], command: 'exec worker --id 1' };
  const table: Array<[string[], string[]]> = [
    [A.newNamedWindow('agents', 'dev', '/w'), ['new-window', '-d', '-t', '=agents:', '-n', 'dev', '-c', '/w', '-P', '-F', '#{pane_id}']],
    [A.newNamedSession('agents', 'dev', '/w'), ['new-session', '-d', '-s', 'agents', '-n', 'dev', '-c', '/w', '-x', '200', '-y', '50', '-P', '-F', '#{pane_id}']],
    [
      A.newNamedWindow('agents', 'scheduler', '/r', start),
      ['new-window', '-d', '-t', '=agents:', '-n', 'scheduler', '-c', '/r', '-P', '-F', '#{pane_id}', '-e', 'TASK_ROOT=/r', '-e', 'X=a b', 'exec worker --id 1'],
    ],
    [
      A.newNamedSession('agents', 'scheduler', '/r', start),
      ['new-session', '-d', '-s', 'agents', '-n', 'scheduler', '-c', '/r', '-x', '200', '-y', '50', '-P', '-F', '#{pane_id}', '-e', 'TASK_ROOT=/r', '-e', 'X=a b', 'exec worker --id 1'],
    ],
    [A.respawnPaneWith('%4', '/w', 'claude', ['ORC_AGENT=dev']), ['respawn-pane', '-k', '-t', '%4', '-c', '/w', '-e', 'ORC_AGENT=dev', 'claude']],
    [A.respawnPaneWith('%4', undefined, 'worker', ['TASK_ROOT=/r']), ['respawn-pane', '-k', '-t', '%4', '-e', 'TASK_ROOT=/r', 'worker']],
    [A.respawnPaneWith('%4', '/w', 'sh'), ['respawn-pane', '-k', '-t', '%4', '-c', '/w', 'sh']],
    [A.killWindow('%4'), ['kill-window', '-t', '%4']],
  ];
  for (const [got, want] of table) assert.equal(got, want);
});

test('a kept window: remain-on-exit on, no renaming, set on the window of the given pane', () => {
  assert.equal(A.keepWindowOptions('%7'), [
    ['set-option', '-w', '-t', '%7', 'remain-on-exit', 'on'],
    ['set-option', '-w', '-t', '%7', 'allow-rename', 'off'],
    ['set-option', '-w', '-t', '%7', 'automatic-rename', 'off'],
  ]);
});

test('screen, keys and pastes address one pane; text never becomes an option', () => {
  const table: Array<[string[], string[]]> = [
    [A.captureScreen('%2'), ['capture-pane', '-p', '-J', '-t', '%2']],
    [A.cancelMode('%2'), ['send-keys', '-X', '-t', '%2', 'cancel']],
    [A.sendKeys('%2', 'Enter'), ['send-keys', '-t', '%2', 'Enter']],
    [A.loadBuffer('orc-1-ab'), ['load-buffer', '-b', 'orc-1-ab', '-']],
    [A.pasteBuffer('orc-1-ab', '%2'), ['paste-buffer', '-b', 'orc-1-ab', '-p', '-r', '-d', '-t', '%2']],
    [A.deleteBuffer('orc-1-ab'), ['delete-buffer', '-b', 'orc-1-ab']],
  ];
  for (const [got, want] of table) assert.equal(got, want);
});

test.run();
