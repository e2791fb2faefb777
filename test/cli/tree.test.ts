/**
 * Finding the tree (README "Finding the tree"), making it (tasks-init), and the argument checks of
 * issue 12 point 8: durations capped at 365 days, --root '' refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, names, tempDir, testEnv, tmux, tmuxSocket, type Run } from '../helpers.ts';

const T = suite<{ dir: string; root: string }>('finding and making the tree');
T.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.root = path.join(ctx.dir, 'tree');
});
T.after.each((ctx) => cleanup(ctx.dir));

/** A session name no directory above the temp dir will have a tree for. */
const SESSION = `orcnone${process.pid}`;
const bare = (extra: NodeJS.ProcessEnv = {}) => testEnv(undefined, { TMUX_SESSION: SESSION, ...extra });

function oneLine(r: Run, code: number, pattern: RegExp) {
  assert.is(r.code, code, `exit code (stdout: ${r.stdout} stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

T('durations: 365 days at most, absurd and negative values exit 2 with one line, 1h30m is accepted', async ({ root }) => {
  assert.is((await cli(['tasks-init'], { env: testEnv(root) })).code, 0);
  const run = (...args: string[]) => cli(args, { env: testEnv(root) });
  oneLine(await run('tasks-enqueue', '--in', '99999999d', 'true'), 2, /^tmux-orc: --in: "99999999d" is longer than the maximum of 365d/);
  oneLine(await run('tasks-enqueue', '--timeout', '99999999999999999999d', 'true'), 2, /--timeout: .* longer than the maximum of 365d/);
  oneLine(await run('tasks-enqueue', '--timeout', '366d', 'true'), 2, /maximum of 365d/);
  oneLine(await run('tasks-enqueue', '--every', '9999d', 'true'), 2, /--every: .*maximum/);
  oneLine(await run('tasks-enqueue', '--timeout', '-5s', 'true'), 2, /--timeout: a duration cannot be negative: "-5s"/);
  oneLine(await run('tasks-enqueue', '--at', '@99999999999999', 'true'), 2, /--at .* more than the maximum of 365d away/);
  assert.equal(names(root, 'queue'), [], 'nothing queued');
  const ok = await run('tasks-enqueue', '-i', 'later', '--in', '1h30m', '--timeout', '365d', 'true');
  assert.is(ok.code, 0, ok.stderr);
  const text = fs.readFileSync(path.join(root, 'queue', names(root, 'queue')[0]), 'utf8');
  const at = Date.parse(/^AT=(.*)$/m.exec(text)![1]);
  const enq = Date.parse(/^ENQUEUED=(.*)$/m.exec(text)![1]);
  assert.is(at - enq, 5_400_000);
});

T("--root '' exits 2, on the fast path and in the full CLI", async ({ dir }) => {
  for (const args of [['tasks-enqueue', '--root', '', 'true'], ['tasks-list', '--root', ''], ['tasks-health', '--root', ''], ['tasks-init', '--root', '']]) {
    oneLine(await cli(args, { env: bare(), cwd: dir }), 2, /--root is empty/);
  }
  assert.equal(fs.readdirSync(dir), [], 'nothing created');
});

T('tasks-init makes an existing directory of yours 0700, with the directories in it', async ({ root }) => {
  fs.mkdirSync(path.join(root, 'queue'), { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  fs.chmodSync(path.join(root, 'queue'), 0o775);
  const r = await cli(['tasks-init'], { env: testEnv(root) });
  assert.is(r.code, 0, r.stderr);
  for (const d of ['', 'queue', 'logs']) assert.is(fs.statSync(path.join(root, d)).mode & 0o777, 0o700, d || 'root');
});

T("tasks-init refuses a directory owned by another user (exit 5)", async ({ root }) => {
  if (process.getuid!() !== 0) return console.log('  (skipped: needs root to chown a directory to another user)');
  fs.mkdirSync(root, { mode: 0o755 });
  fs.chownSync(root, 65534, 65534);
  oneLine(await cli(['tasks-init'], { env: testEnv(root) }), 5, new RegExp(`task tree \\(${root}\\): owned by uid 65534, not by you`));
  assert.is(fs.statSync(root).mode & 0o777, 0o755, 'left as it was');
  assert.equal(fs.readdirSync(root), []);
});

T('no tree anywhere: every command but tasks-init and init refuses with exit 3 saying where it looked, and creates nothing', async ({ dir }) => {
  const deep = path.join(dir, 'a', 'b');
  fs.mkdirSync(deep, { recursive: true });
  for (const args of [['tasks-enqueue', 'true'], ['tasks-list'], ['tasks-paths'], ['worker', '--until-empty'], ['tasks-health'], ['tasks-cancel', 'x'], ['barrier-signal', 'b']]) {
    const r = await cli(args, { env: bare(), cwd: deep });
    oneLine(r, 3, new RegExp(`no task tree: .*no var/tmux/${SESSION}/tasks in ${deep} or any directory above it \\(create one with tmux-orc tasks-init`));
  }
  assert.equal(fs.readdirSync(deep), [], 'nothing created');
  const init = await cli(['tasks-init'], { env: bare(), cwd: dir });
  assert.is(init.code, 0, init.stderr);
  const found = JSON.parse((await cli(['tasks-paths', '--json'], { env: bare(), cwd: deep })).stdout);
  assert.equal([found.root, found.source, found.why], [path.join(dir, 'var/tmux', SESSION, 'tasks'), 'ancestor', `found walking up from ${deep}`]);
  assert.is((await cli(['tasks-enqueue', 'true'], { env: bare(), cwd: deep })).code, 0);
});

T('an explicit tree that is missing or a file is refused (exit 3) naming it; nothing is created', async ({ dir, root }) => {
  oneLine(await cli(['tasks-enqueue', '--root', root, 'true'], { env: bare(), cwd: dir }), 3, new RegExp(`^tmux-orc: task tree \\(${root}\\): does not exist \\(from --root\\); create it with tmux-orc tasks-init --root ${root}$`));
  oneLine(await cli(['tasks-list'], { env: testEnv(root), cwd: dir }), 3, /task tree .*: does not exist \(from \$TASK_ROOT\)/);
  assert.not.ok(fs.existsSync(root));
  fs.writeFileSync(root, 'a file');
  oneLine(await cli(['tasks-enqueue', '--root', root, 'true'], { env: bare(), cwd: dir }), 3, /task tree \(.*\): not a directory/);
});

T("inside a pane of our server, the pane's session's tree wins over the one in the current directory; another server's pane does not count", async ({ dir }) => {
  const sock = tmuxSocket('root');
  try {
    const recorded = path.join(dir, 'recorded');
    assert.is((await cli(['tasks-init', '--root', recorded], { env: bare() })).code, 0);
    assert.is((await cli(['tasks-init'], { env: bare(), cwd: dir })).code, 0);
    tmux(sock, 'new-session', '-d', '-s', 'other');
    tmux(sock, 'new-session', '-d', '-s', SESSION);
    const sid = tmux(sock, 'list-sessions', '-F', '#{session_name} #{session_id}').split('\n').find((l) => l.startsWith(`${SESSION} `))!.split(' $')[1];
    tmux(sock, 'set-environment', '-t', `=${SESSION}`, 'TASK_ROOT', recorded);
    const inPane = { TMUX_SOCKET: sock, TMUX: `/tmp/tmux-0/${sock},1,${sid}` };
    // testEnv drops $TMUX (no test may reach the user's server): set it after.
    const paths = async ({ TMUX, ...env }: NodeJS.ProcessEnv) => JSON.parse((await cli(['tasks-paths', '--json'], { env: { ...bare(env), ...(TMUX ? { TMUX } : {}) }, cwd: dir })).stdout);
    const inside = await paths(inPane);
    assert.equal([inside.root, inside.source], [recorded, 'tmux']);
    const elsewhere = await paths({ TMUX_SOCKET: sock, TMUX: `/tmp/tmux-0/default,1,${sid}` });
    assert.equal([elsewhere.root, elsewhere.source], [path.join(dir, 'var/tmux', SESSION, 'tasks'), 'ancestor']);
    const outside = await paths({ TMUX_SOCKET: sock });
    assert.is(outside.source, 'ancestor', 'a running session does not win outside its panes');
  } finally {
    killTmux(sock);
  }
});

T.run();
