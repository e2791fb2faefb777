/** `tmux-orc completion`: a script bash loads; commands, options, task IDs and agent names complete. */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, REPO, run, tempDir, testEnv, TEST_SOCKET } from '../helpers.js';
import { saveAgent } from '../../src/agents/registry.js';

const test = suite<{ dir: string; env: NodeJS.ProcessEnv }>('completion');
test.before.each(async (ctx) => {
  ctx.dir = tempDir();
  // tmux-orc on PATH, as the script calls it.
  ctx.env = testEnv(path.join(ctx.dir, 'tasks'), { PATH: `${path.join(REPO, 'bin')}:${process.env.PATH}` });
  assert.is((await cli(['tasks-init'], { env: ctx.env })).code, 0);
});
test.after.each((ctx) => cleanup(ctx.dir));

/** COMPREPLY after TAB on `line` (the last word is the one completed). */
async function tab(env: NodeJS.ProcessEnv, line: string): Promise<string[]> {
  const script = `source <(tmux-orc completion) || exit 9
COMP_WORDS=(${line}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
[[ "${line}" == *" " ]] && { COMP_WORDS+=(""); COMP_CWORD=$(( COMP_CWORD + 1 )); }
_tmux-orc_yargs_completions
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await run('bash', ['-c', script], { env });
  assert.is(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('the script loads in bash and completes commands, options, task IDs and agent names', async (ctx) => {
  const load = await run('bash', ['-c', 'source <(tmux-orc completion) && complete -p tmux-orc'], { env: ctx.env });
  assert.is(load.code, 0, load.stderr);
  assert.match(load.stdout, /-F _tmux-orc_yargs_completions tmux-orc/);
  assert.equal(await tab(ctx.env, 'tmux-orc tasks-ca'), ['tasks-cancel']);
  assert.ok((await tab(ctx.env, 'tmux-orc doc')).includes('doctor'));
  assert.ok((await tab(ctx.env, 'tmux-orc logs search --ta')).includes('--task'));
  const a = (await cli(['tasks-enqueue', '-i', 'build-1', '--', 'true'], { env: ctx.env })).stdout.trim();
  const b = (await cli(['tasks-enqueue', '-i', 'build-2', '--', 'true'], { env: ctx.env })).stdout.trim();
  await cli(['tasks-enqueue', '-i', 'deploy', '--', 'true'], { env: ctx.env });
  assert.equal((await tab(ctx.env, 'tmux-orc tasks-tail bui')).sort(), [a, b]);
  assert.equal((await tab(ctx.env, 'tmux-orc tasks-cancel ')).sort(), ['build-1', 'build-2', 'deploy']);
  for (const name of ['pm1', 'pm2', 'qa']) {
    saveAgent(path.join(ctx.dir, 'tasks'), { name, role: 'pm', preset: 'custom', command: 'true', cwd: ctx.dir, env: [], brief: '', socket: TEST_SOCKET, session: 'agents', patterns: {}, created: Date.now() });
  }
  assert.equal((await tab(ctx.env, 'tmux-orc send p')).sort(), ['pm1', 'pm2']);
  assert.equal((await tab(ctx.env, 'tmux-orc agent kill q')), ['qa']);
});

test.run();
