/**
 * As a user would: register `tmux-orc mcp` (stdio) and `/mcp` of `tmux-orc serve` (HTTP, with
 * the token) with the real Claude Code (`claude mcp add --scope user`, HOME in a temp dir) and
 * check that `claude mcp list`, which connects to each server, reports them connected, and a
 * server without a tree as failing. Claude Code is installed by scripts/test-deps.d/agents.sh;
 * without it this skips, saying why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, killAll, run, tempDir, testEnv } from '../helpers.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { serve } from '../serve/fixture.ts';
import { BIN } from './fixture.ts';

const CLAUDE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tmux-orc', 'agents', 'node_modules', '.bin', 'claude');

const T = suite<{ dir: string }>('mcp in Claude Code');
T.before.each((ctx) => {
  ctx.dir = tempDir('orc-mcp-claude-');
});
T.after.each((ctx) => {
  killAll();
  cleanup(ctx.dir);
});

const installed = fs.existsSync(CLAUDE);
if (!installed) console.log(`  skip: mcp in Claude Code — ${CLAUDE} is not installed (bash scripts/test-deps.d/agents.sh installs it)`);

(installed ? T : T.skip)('claude mcp add, then claude mcp list: stdio and HTTP servers ✔ Connected, one without a tree ✘ Failed', async (ctx) => {
  const root = path.join(ctx.dir, 'tasks');
  ensureTree(tree(root));
  const home = path.join(ctx.dir, 'home');
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...testEnv(undefined), HOME: home, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
  delete env.ANTHROPIC_API_KEY;
  const claude = async (...args: string[]) => {
    const r = await run(CLAUDE, args, { env, cwd: ctx.dir, timeoutMs: 60_000 });
    assert.is(r.code, 0, `claude ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  await claude('mcp', 'add', '--scope', 'user', 'orc', '--', BIN, 'mcp', '--root', root);
  await claude('mcp', 'add', '--scope', 'user', 'orc-ro', '--', BIN, 'mcp', '--read-only', '--root', root);
  await claude('mcp', 'add', '--scope', 'user', 'orc-none', '--', BIN, 'mcp', '--root', path.join(ctx.dir, 'missing'));
  const s = await serve(root, [], testEnv(root));
  await claude('mcp', 'add', '--scope', 'user', '--transport', 'http', 'orc-http', new URL('mcp', s.url).href, '--header', `Authorization: Bearer ${s.token}`);
  const list = await claude('mcp', 'list');
  assert.match(list, new RegExp(`^orc: ${BIN} mcp --root ${root} - ✔ Connected$`, 'm'));
  assert.match(list, /^orc-ro: .* - ✔ Connected$/m);
  assert.match(list, /^orc-http: http:\/\/127\.0\.0\.1:\d+\/mcp \(HTTP\) - ✔ Connected$/m);
  assert.match(list, /^orc-none: .* - ✘ Failed to connect\b/m, list);
});

T.run();
