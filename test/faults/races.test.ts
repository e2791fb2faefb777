/**
 * Issue 12, cases 6 and 8 (first part): cancel racing a task's end, and `tasks-retry
 * --all-failed` racing `tasks-clean --keep 0`. Many rounds with random timing; every round is
 * judged on its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli, exited } from '../helpers.ts';
import { STATES, allFiles, enqueue, env, faultSuite, field, findAll, init, ls, sleep, textLines, until, waitTill, worker } from './harness.ts';

const R = faultSuite('faults: races');

/**
 * Stubs: a file in a state dir that is not a whole task file (no ID line), or a file anywhere
 * in the tree (tmp/ included) that holds nothing but CANCEL lines.
 */
function stubs(root: string): string[] {
  const out: string[] = [];
  for (const f of allFiles(root)) {
    const rel = path.relative(root, f);
    const inState = (STATES as readonly string[]).includes(rel.split(path.sep)[0]);
    if (!inState && !rel.startsWith(`tmp${path.sep}`)) continue;
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const ls_ = text.split('\n').filter(Boolean);
    const cancelOnly = ls_.length > 0 && ls_.every((l) => l.startsWith('CANCEL'));
    if (cancelOnly || (inState && !/^ID=/m.test(text))) out.push(`${rel}: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return out;
}

R('cancel racing the end, 60 rounds: "cancelled" only when it ended cancelled, else exit 4 "already finished"; one state dir; no stubs', async ({ root }) => {
  await init(root);
  const w = worker(root, ['--id', '0']);
  const tally = { cancelled: 0, finished: 0 };
  for (let i = 0; i < 60; i++) {
    const id = `race${i}`;
    // Task length and cancel moment both random, so that cancels land before, during and after the end.
    const secs = (0.1 + Math.random() * 0.2).toFixed(3);
    await enqueue(root, '--id', id, '--', `sleep ${secs}`);
    await sleep(Math.random() * 200);
    const c = await cli(['tasks-cancel', id], { env: env(root), timeoutMs: 30000 });
    const said = `${c.stdout}${c.stderr}`;
    await until(root, id, ['done', 'failed'], 10000, () => `round ${i}: cancel exited ${c.code}: ${said}`);
    await waitTill('running/ empty', () => ls(root, 'running').length === 0, 10000, () => `running/: ${ls(root, 'running')}`);
    const found = findAll(root, id);
    assert.is(found.length, 1, `round ${i}: ${id} is in exactly one state dir, not ${found.map((f) => f.state)} (cancel said: ${said})`);
    const [f] = found;
    if (c.code === 0) {
      tally.cancelled++;
      assert.match(said, /cancell?ed/i, `round ${i}: cancel exit 0 says cancelled: ${said}`);
      assert.is(f.state, 'failed', `round ${i}: cancel said "${said.trim()}" but ${id} is in ${f.state}:\n${f.text}`);
      assert.is(field(f.text, 'STATUS'), 'cancelled', `round ${i}: status cancelled:\n${f.text}`);
    } else {
      tally.finished++;
      assert.is(c.code, 4, `round ${i}: cancel of a finished task exits 4, got ${c.code}: ${said}`);
      assert.match(said, /already finished|finished already|already (done|ended|complete)/i, `round ${i}: says it already finished: ${said}`);
      assert.is(f.state, 'done', `round ${i}: cancel refused, so ${id} ran to the end:\n${f.text}`);
      assert.is(field(f.text, 'STATUS'), 'done');
    }
    assert.equal(stubs(root), [], `round ${i}: every file in the state dirs is a whole task file`);
  }
  assert.equal(ls(root, 'running'), []);
  assert.ok(w.exitCode === null, 'the worker survived every cancel');
  console.log(`    cancel race: ${tally.cancelled} cancelled, ${tally.finished} already finished`);
});

R('tasks-retry --all-failed racing tasks-clean --keep 0: every retried task keeps its logs', async ({ dir }) => {
  let retried = 0;
  let cleaned = 0;
  for (let round = 0; round < 3; round++) {
    const root = path.join(dir, `tree${round}`);
    await init(root);
    const n = 300;
    const input = Array.from({ length: n }, () => 'echo "out-$TASK_ID"; echo "err-$TASK_ID" >&2; exit 3').join('\n');
    const q = await cli(['tasks-enqueue', '--stdin'], { env: env(root), input });
    assert.is(q.code, 0, q.stderr);
    const ids = textLines(q.stdout);
    assert.is(ids.length, n);
    const w = worker(root, ['--id', '0', '--until-empty']);
    assert.is((await exited(w, 60000)).code, 0, w.out().slice(-500));
    assert.is(ls(root, 'failed').length, n);
    for (const id of ids) assert.ok(fs.existsSync(path.join(root, 'logs', `${id}.out`)), `${id} has a log before the race`);
    const [r, c] = await Promise.all([
      cli(['tasks-retry', '--all-failed'], { env: env(root) }),
      sleep(Math.random() * 60).then(() => cli(['tasks-clean', '--keep', '0'], { env: env(root) })),
    ]);
    // A task cleaned away under retry (or retried away under clean) may be reported; a crash may not.
    for (const [what, x] of [['tasks-retry', r], ['tasks-clean', c]] as const) {
      assert.ok(x.code !== null && x.code <= 4, `${what} exit ${x.code}: ${x.stderr}`);
      assert.not.match(x.stderr, /\n\s+at |TypeError|RangeError/, `${what}: no stack trace:\n${x.stderr}`);
    }
    const lost: string[] = [];
    for (const id of ids) {
      const f = findAll(root, id);
      assert.ok(f.length <= 1, `${id} in one state dir at most: ${f.map((x) => x.state)}`);
      if (f[0]?.state === 'queue') {
        retried++;
        if (!fs.existsSync(path.join(root, 'logs', `${id}.out`)) || !fs.existsSync(path.join(root, 'logs', `${id}.err`))) lost.push(id);
      } else if (!f.length) cleaned++;
    }
    assert.is(lost.length, 0, `round ${round}: ${lost.length} retried tasks lost their logs to clean, e.g. ${lost.slice(0, 3).join(", ")}`);
  }
  console.log(`    retry vs clean: ${retried} retried, ${cleaned} cleaned over 3 rounds`);
});

R.run();
