/**
 * Issue 12, case 7: SIGKILL chaos (workers and their launcher processes killed at random moments,
 * workers restarted) and the tmux session killed mid-task. No finished run is repeated, none is
 * lost, no two runs of a task overlap.
 */
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cli, exited, killTmux, tmuxSocket } from '../helpers.ts';
import {
  children, cmdline, count, detector, env, faultSuite, field, findAll, init, kill, lines, ls, needsTest, procsOfTask, sleep, textLines,
  until, waitTill, worker, type Tracked,
} from './harness.ts';

const C = faultSuite('faults: SIGKILL chaos');

C('SIGKILL chaos: workers and their launchers killed at random, restarted; every task done once (or failed with a reason), none finished twice, no overlap', async ({ dir, root }) => {
  await init(root);
  const n = 30;
  const input = Array.from({ length: n }, () => detector(dir, (0.3 + Math.random() * 1.2).toFixed(2))).join('\n');
  const q = await cli(['tasks-enqueue', '--retries', '5', '--stdin'], { env: env(root), input });
  assert.is(q.code, 0, q.stderr);
  const ids = textLines(q.stdout);
  assert.is(ids.length, n);

  const workers: Tracked[] = [0, 1, 2].map((k) => worker(root, ['--id', String(k)]));
  const settled = () => ids.every((id) => ['done', 'failed'].includes(findAll(root, id).map((f) => f.state).join()));
  let kills = 0;
  let launcherKills = 0;
  const chaosUntil = Date.now() + 12000;
  while (Date.now() < chaosUntil && !settled()) {
    await sleep(200 + Math.random() * 600);
    const k = Math.floor(Math.random() * workers.length);
    const w = workers[k];
    if (w.exitCode !== null || w.signalCode !== null) continue;
    const launchers = children(w.pid!).filter((c) => c.comm === 'perl' || cmdline(c.pid).startsWith('perl '));
    kill(w.pid!, 'SIGKILL');
    kills++;
    if (Math.random() < 0.7) for (const l of launchers) (kill(l.pid, 'SIGKILL'), launcherKills++);
    await exited(w, 5000);
    await sleep(Math.random() * 300);
    workers[k] = worker(root, ['--id', String(k)]);
  }
  await waitTill('every task settled in done/ or failed/', settled, 90000, () =>
    `unsettled: ${ids.filter((id) => !['done', 'failed'].includes(findAll(root, id).map((f) => f.state).join())).map((id) => `${id}:${findAll(root, id).map((f) => f.state)}`).join(' ')}`);
  for (const w of workers) w.kill('SIGTERM');
  // Orphans of killed launchers may still be running: wait for every task process to be gone before counting lines.
  await waitTill('no task process left', () => ids.every((id) => procsOfTask(dir, id).length === 0), 20000);

  const finished = path.join(dir, 'finished');
  assert.equal(lines(path.join(dir, 'overlap')), [], 'no two runs of a task at once');
  const twice = ids.filter((id) => count(finished, `finished ${id}`) > 1);
  assert.equal(twice, [], 'no task finished twice');
  let failed = 0;
  for (const id of ids) {
    const f = findAll(root, id);
    assert.is(f.length, 1, `${id} in one state dir: ${f.map((x) => x.state)}`);
    if (f[0].state === 'done') assert.is(count(finished, `finished ${id}`), 1, `${id} is done, so its run finished once`);
    else {
      failed++;
      assert.ok(field(f[0].text, 'REASON'), `${id} failed with a reason:\n${f[0].text}`);
      assert.is(count(finished, `finished ${id}`), 0, `${id} failed although a run of it finished (a finished run lost):\n${f[0].text}`);
    }
  }
  assert.equal(ls(root, 'running'), []);
  console.log(`    chaos: ${kills} workers and ${launcherKills} launchers killed; ${lines(path.join(dir, 'runs')).length} starts for ${n} tasks; ${failed} failed`);
});

needsTest(C, 'the tmux session killed mid-task: the task\'s work completes exactly once and it ends in done/', ['tmux'], async ({ dir, root }) => {
  const sock = tmuxSocket('fault');
  try {
    const e = env(root, { TMUX_SOCKET: sock, TMUX_SESSION: 'faults' });
    const i = await cli(['init', '1', '--root', root], { env: e });
    assert.is(i.code, 0, `init: ${i.stderr}`);
    const s = await cli(['tasks-start', '--root', root], { env: e });
    assert.is(s.code, 0, `tasks-start: ${s.stderr}`);
    const marker = path.join(dir, 'marker');
    const q = await cli(['tasks-enqueue', '--root', root, '--', `sleep 3; echo finished >> ${marker}`], { env: e });
    assert.is(q.code, 0, q.stderr);
    const id = q.stdout.trim();
    await until(root, id, 'running', 20000);
    await waitTill('the task runs', () => procsOfTask(dir, id).length > 0, 10000);
    const k = await cli(['kill'], { env: e });
    assert.is(k.code, 0, `kill: ${k.stderr}`);
    // Whatever was left of the task either died with the session or ran on as an orphan: wait for it to end.
    await waitTill('no process of the task left', () => procsOfTask(dir, id).length === 0, 15000);
    const deadline = Date.now() + 60000;
    const runs: string[] = [];
    while (!['done', 'failed'].includes(findAll(root, id).map((f) => f.state).join()) && Date.now() < deadline) {
      const r = await cli(['worker', '--until-empty', '--root', root], { env: env(root), timeoutMs: 30000 });
      runs.push(`exit ${r.code}: ${r.stdout}${r.stderr}`);
      if (!['done', 'failed'].includes(findAll(root, id).map((f) => f.state).join())) await sleep(300);
    }
    await waitTill('no process of the task left', () => procsOfTask(dir, id).length === 0, 15000);
    assert.equal(lines(marker), ['finished'], `the task's work ran to the end exactly once; worker runs:\n${runs.slice(-3).join('\n')}`);
    const [f] = findAll(root, id);
    assert.is(f?.state, 'done', `${id} done:\n${f?.text}`);
    assert.is(findAll(root, id).length, 1);
  } finally {
    killTmux(sock);
  }
});

C.run();

