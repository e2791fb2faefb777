/**
 * The rows of tasks-list from task files as workers leave them (issue 14 point 8): only the
 * current run's result, a recurring task's runs, a delayed task's due time and a label in the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, tempDir } from '../helpers.ts';
import { listTasks } from '../../src/queue/list.ts';
import { ensureTree, taskName, taskPath, tree } from '../../src/queue/tree.ts';
import { row } from '../../src/cli/commands/tasks/list.ts';
import type { Dir } from '../../src/queue/lifecycle.ts';

const NOW = Date.parse('2026-01-31T12:00:00.000Z');
const RUN1 = 'ATTEMPT=1\nWORKER=0\nHOST=h\nWORKER_PID=100\nWORKER_START=5\nCLAIM=c1\nSTARTED=2026-01-31T11:00:00.000Z\nEXIT=3\nFINISHED=2026-01-31T11:00:01.000Z\nSTATUS=failed\nREASON=exit 3; retry 1/2 at 2026-01-31T11:00:02.000Z\nATTEMPT=2\nDUE=2026-01-31T11:00:02.000Z\n';
const RUN2 = 'WORKER=1\nHOST=h\nWORKER_PID=200\nWORKER_START=6\nCLAIM=c2\nSTARTED=2026-01-31T11:59:00.000Z\n';

/** [what, state dir, the file after ID/CMD/ENQUEUED, what the row says, the table's cells 3..] */
const CASES: Array<[string, Dir, string, Record<string, unknown>, string[]]> = [
  ['a retried task running shows no result of the attempt before', 'running', RUN1 + RUN2,
    { exit: undefined, reason: undefined, signal: undefined, worker: '1', attempt: 2 }, ['1m00s', '2', '', '1', 'true']],
  ['a running task whose launcher recorded its exit shows it', 'running', RUN1 + RUN2 + 'EXIT=0\n',
    { exit: 0, reason: undefined, worker: '1' }, ['1m00s', '2', 'exit 0', '1', 'true']],
  ['a retried task cancelled in the queue shows "cancelled", not the attempt before', 'failed', RUN1 + 'FINISHED=2026-01-31T11:30:00.000Z\nSTATUS=cancelled\nREASON=cancelled\n',
    { exit: undefined, reason: 'cancelled', worker: undefined, status: 'cancelled' }, ['30m00s', '2', 'cancelled', '', 'true']],
  ['a retried task failing again shows its own exit', 'failed', RUN1 + RUN2 + 'EXIT=4\nFINISHED=2026-01-31T11:59:30.000Z\nSTATUS=failed\nREASON=exit 4\n',
    { exit: 4, reason: 'exit 4', worker: '1' }, ['30s', '2', 'exit 4', '1', 'true']],
  ['a queued retry shows no result yet', 'queue', RUN1, { exit: undefined, reason: undefined, worker: undefined, attempt: 2 }, ['1h00m', '2', '', '', 'true']],
  ['a recurring task shows its runs', 'queue', 'EVERY=1h\nFINISHED=2026-01-31T11:00:01.000Z\nSTATUS=done\nRUNS=4\nDUE=2026-01-31T11:00:00.000Z\n', { runs: 4, attempt: 1 }, ['1h00m', '4 runs', '', '', 'true']],
  ['a delayed task shows when it is due; a label leads the command', 'queue', 'AT=2026-01-31T13:30:00.000Z\nLABEL=gpu\n',
    { status: 'delayed', label: 'gpu', runs: undefined }, ['in 1h30m', '1', '', '', '[gpu] true']],
];

for (const [what, dir, record, want, cells] of CASES) {
  test(what, () => {
    const root = path.join(tempDir(), 'tree');
    try {
      const t = tree(root);
      ensureTree(t);
      fs.writeFileSync(taskPath(t, dir, taskName('x', 0, NOW * 1000)), `ID=x\nCMD=true\nENQUEUED=2026-01-31T11:00:00.000Z\n${record}`);
      const [r] = listTasks(t, dir, NOW);
      for (const [k, v] of Object.entries(want)) assert.equal((r as unknown as Record<string, unknown>)[k], v, k);
      assert.equal(row(r, NOW).slice(3), cells);
    } finally {
      cleanup(path.dirname(root));
    }
  });
}

test.run();
