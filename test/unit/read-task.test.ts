/**
 * readTask keeps what it parsed last (a worker reads a task before its claim and after it): what
 * it returns must still be what the file says now, and under the name it was asked for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTask } from '../../src/queue/tree.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-read-'));
const name = '2000-0000000000000001-a1.task';
const file = path.join(dir, name);

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a changed file is read as it is now', () => {
  fs.writeFileSync(file, 'ID=a1\nCMD=true\n');
  const first = readTask(file);
  assert.ok(first?.ok && first.task.due === 0);
  fs.appendFileSync(file, 'DUE=2030-01-01T00:00:00.000Z\n');
  const later = readTask(file);
  assert.ok(later?.ok && later.task.due === Date.parse('2030-01-01T00:00:00.000Z'), 'the appended DUE is seen');
});

test('the same text under another name is judged for that name', () => {
  fs.writeFileSync(file, 'ID=a1\nCMD=true\n');
  assert.ok(readTask(file)?.ok);
  const other = path.join(dir, '2000-0000000000000001-b2.task');
  fs.copyFileSync(file, other);
  const r = readTask(other);
  assert.ok(r && !r.ok && /does not match the file name/.test(r.reason), JSON.stringify(r));
});

test.run();
