/**
 * The Redis worker's dead man's switch (src/redis/deadman.ts) is a bash process of its own: it
 * must run none of the user's start-up files, whatever the environment it is started from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../helpers.ts';
import { Deadman } from '../../src/redis/deadman.ts';

/** Processes whose command line holds `text`. */
function procsWith(text: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  }).map(Number);
}

test('no ~/.bashrc (stdin a socket, SHLVL 0) and no $BASH_ENV; it ends when the worker closes it', async () => {
  const dir = tempDir('orc-deadman-');
  const running = path.join(dir, 'running');
  fs.mkdirSync(running);
  const marker = path.join(dir, 'sourced');
  for (const f of ['.bashrc', 'bash_env']) fs.writeFileSync(path.join(dir, f), `echo ${f} >> '${marker}'\n`);
  const saved = { HOME: process.env.HOME, SHLVL: process.env.SHLVL, BASH_ENV: process.env.BASH_ENV };
  Object.assign(process.env, { HOME: dir, SHLVL: '0', BASH_ENV: path.join(dir, 'bash_env') });
  let d: Deadman;
  try {
    d = new Deadman(1000, running);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  await waitFor('the switch started', () => procsWith(running).length > 0, 5000);
  d.close();
  await waitFor('the switch ended', () => procsWith(running).length === 0, 10_000);
  assert.not.ok(fs.existsSync(marker), `sourced: ${fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : ''}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
