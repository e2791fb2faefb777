/**
 * The shell front end (bin/tmux-orc) against the Node CLI, over one table of cases: every plain
 * enqueue must take the fast path (proved by a PATH without node) and write the task file Node
 * writes, byte for byte apart from the ID and the times; every other case must reach Node and
 * behave exactly as Node does (exit code, stdout, stderr, files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, killTmux, names, REPO, run, tempDir, testEnv, tmux, tmuxSocket, type Run } from '../helpers.ts';

const BIN = path.join(REPO, 'bin', 'tmux-orc');
/** A session name no directory above the temp dir has a tree for. */
const SESSION = `orcfast${process.pid}`;
const ID = /^t[0-9a-z]{15}$/;

const T = suite<{ dir: string }>('fast enqueue: the shell front end writes what Node writes');
T.before.each((ctx) => {
  ctx.dir = tempDir();
});
T.after.each((ctx) => cleanup(ctx.dir));

function which(bin: string): string {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const p = path.join(d, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(`${bin} is not on PATH`);
}

/** A PATH holding only what the fast path runs: if the front end fell back, `node` would not be found (exit 127). */
function noNodePath(dir: string): string {
  const bin = path.join(dir, 'no-node');
  fs.mkdirSync(bin);
  for (const t of ['bash', 'stat', 'sync', 'mv', 'rm', 'timeout', 'tmux']) fs.symlinkSync(which(t), path.join(bin, t));
  return bin;
}

const env = (extra: NodeJS.ProcessEnv = {}) => testEnv(undefined, { TMUX_SESSION: SESSION, ...extra });
const front = (args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }) => run(BIN, args, opts);

/** The task file of `id` in any tree under `dir`, with its name. */
function taskFile(dir: string, id: string): { name: string; bytes: Buffer; mode: number } {
  const roots = [path.join(dir, 'var/tmux', SESSION, 'tasks'), path.join(dir, 'other'), path.join(dir, 'old')];
  for (const [root, d] of roots.flatMap((r) => [[r, 'queue'], [r, 'held']])) {
    const name = names(root, d).find((n) => n.endsWith(`-${id}.task`));
    if (name) {
      const file = path.join(root, d, name);
      const st = fs.lstatSync(file);
      assert.is(st.nlink, 1, `${name}: one link`);
      return { name, bytes: fs.readFileSync(file), mode: st.mode & 0o777 };
    }
  }
  throw new Error(`no task file for ${id}`);
}

/**
 * The file with its ID and times masked, after checking that they agree with each other: the
 * name's time is the ID's (base 36), and ENQUEUED is that time in ms (`exact`; Node's bulk enqueue
 * stamps each file a little later). What is left must be identical.
 */
function masked(dir: string, id: string, exact = false): { priority: string; text: string; mode: number } {
  const f = taskFile(dir, id);
  const m = /^(\d{4})-(\d{16})-(.+)\.task$/.exec(f.name);
  assert.ok(m, f.name);
  const text = f.bytes.toString('latin1'); // bytes as they are: valid UTF-8 or not
  assert.ok(text.startsWith(`ID=${id}\n`), text);
  const enqueued = /^ENQUEUED=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\n$/m.exec(text)?.[1];
  assert.ok(enqueued, `ENQUEUED in ${text}`);
  const late = Math.floor(Number(m![2]) / 1000) - Date.parse(enqueued!);
  assert.ok(exact ? late === 0 : late >= 0 && late < 1000, `the name carries the enqueue time (${late} ms later)`);
  if (ID.test(id)) assert.is(parseInt(id.slice(1, 12), 36), Number(m![2]), 'a generated ID is the time in base 36');
  return { priority: m![1], text: text.replace(/^ID=.*\n/, 'ID=*\n').replace(/^ENQUEUED=.*\n/m, 'ENQUEUED=*\n'), mode: f.mode };
}

function idsOf(r: Run): string[] {
  return r.stdout.split('\n').filter(Boolean);
}

/** Trees for the table: the nearest one from dir (walking up), one given as --root, one made by an older version (no cancels/). */
async function trees(dir: string): Promise<void> {
  assert.is((await cli(['tasks-init'], { env: env(), cwd: dir })).code, 0);
  assert.is((await cli(['tasks-init', '--root', path.join(dir, 'other')], { env: env() })).code, 0);
  assert.is((await cli(['tasks-init', '--root', path.join(dir, 'old')], { env: env() })).code, 0);
  for (const d of ['sub/deeper', 'é x', 'sub/it\'s']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  // A key held by a queued task: an enqueue with it is refused (exit 4) the same way on both sides.
  assert.is((await cli(['tasks-enqueue', '--unique', 'taken', 'true'], { env: env(), cwd: dir })).code, 0);
}

interface Case {
  args: string[];
  /** Relative to the test's dir (default: the dir itself). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** {dir} in an argument or a variable is the test's dir; {id} an explicit ID, different on each side. */
function expand(c: Case, dir: string, side: string): { args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const x = (s: string) => s.replaceAll('{dir}', dir).replaceAll('{id}', `x-${side}`);
  const extra = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, x(String(v))]));
  return { args: c.args.map(x), cwd: c.cwd?.startsWith('/') ? c.cwd : path.join(dir, c.cwd ?? ''), env: env(extra) };
}

const enq = (...args: string[]): Case => ({ args: ['tasks-enqueue', ...args] });

/** Plain enqueues: the fast path, and Node's file. */
const FAST: Array<[string, Case]> = [
  ['plain words', enq('echo', 'hello', 'world')],
  ['one word is a shell line, taken as is', enq('make && make test > out.txt 2>&1')],
  ['quotes', enq('printf', '%s\\n', "it's", '"double"', "'")],
  ['one single quote alone', enq("'")],
  ['$, backticks, globs, ~', enq('bash', '-lc', 'echo $HOME `id` $(date) *.txt ~')],
  ['unicode', enq('echo', 'héllo', '树', '😀', '\u00a0', '\u2028')],
  ['tabs and control characters', enq('printf', 'a\tb', '\x01\x7f', '\u001b[1m', 'é\x01\x7f]\\^-')],
  ['backslashes and #', enq('echo', 'a\\b', '#not-a-comment', '\\')],
  ['= in words', enq('env', 'FOO=bar', 'sh', '-c', 'echo $FOO')],
  ['empty words among others', enq('echo', '', 'x', '')],
  ['words shellQuote leaves alone', enq('echo', 'a@b%c+d=e:f,g.h/i-j_k', '-', '--x')],
  ['options in front, the command keeps its own', enq('-p', '5', '-l', 'x', 'printf', '%s|', '-p', '5', '-l', 'x')],
  ['-- then a command starting with -', enq('--', '-weird', '--root', 'r')],
  ['-- then a lone --', enq('-p3', '--', '--', 'x')],
  ['a lone - starts the command', enq('-', 'x')],
  ['env, in order, values as typed', enq('-e', 'FOO=bar baz', '--env=EMPTY=', '-eX_1=a=b', '--env', '_Z=$HOME ü', 'env')],
  ['priority -1000', enq('-p', '-1000', 'true')],
  ['priority 1000, --priority=', enq('--priority=1000', 'true')],
  ['priority 0 is not written', enq('-p0', 'true')],
  ['label', enq('-l', 'night ly=é', 'true')],
  ['--label=, -lX', enq('--label=a b', 'true')],
  ['cwd relative', enq('-d', 'sub', 'pwd')],
  ['cwd with . and .. and trailing /', enq('--cwd', './sub/../sub/deeper/', 'pwd')],
  ['cwd absolute, -dX', enq('-d/tmp', 'ls')],
  ['cwd with a quote, --cwd=', enq("--cwd=sub/it's", 'ls')],
  ['the current directory, unicode and a space in it', { args: ['tasks-enqueue', 'pwd'], cwd: 'é x' }],
  ['the tree found walking up from a subdirectory', { args: ['tasks-enqueue', 'true'], cwd: 'sub/deeper' }],
  ['--root', enq('--root', '{dir}/other', 'true')],
  ['--root= relative, with ..', { args: ['tasks-enqueue', '--root=../../other', 'true'], cwd: 'sub/deeper' }],
  ['--root before the command name', { args: ['--root', '{dir}/other', 'tasks-enqueue', '-p', '2', 'ls', '-la'] }],
  ['--root= before the command name', { args: ['--root={dir}/other', 'tasks-enqueue', 'ls'] }],
  ['$TASK_ROOT', { args: ['tasks-enqueue', 'true'], env: { TASK_ROOT: '{dir}/other' } }],
  ['$TASK_ROOT relative', { args: ['tasks-enqueue', 'true'], env: { TASK_ROOT: 'other/' } }],
  ['everything at once', enq('-d', 'sub', '-e', 'A=1', '-p', '-7', '-l', 'L', '-e', 'B=2', '--', 'sh', '-c', 'echo "$A$B" >&2', 'x y')],
];

/** Everything else: Node's, with the reason the front end gives (TMUX_ORC_FAST_DEBUG=1). */
const FALLBACK: Array<[string, RegExp, Case]> = [
  ['another command', /not tasks-enqueue/, { args: ['--version'] }],
  ['an explicit ID (unique under a lock)', /option -i/, enq('-i', '{id}', 'true')],
  ['--at', /option --at/, enq('--at', '@2000000000', 'true')],
  ['--timeout, --retries', /option --timeout/, enq('--timeout', '1m', '--retries', '2', 'true')],
  ['--every', /option --every/, enq('--every', '1h', 'true')],
  ['--after (no such task)', /option --after/, enq('--after', 'nope', 'true')],
  ['--hold (queue control: Node only)', /option --hold/, enq('--hold', 'true')],
  ['--unique, its key taken: exit 4 and the holder\'s ID', /option --unique/, enq('--unique', 'taken', 'true')],
  ['--on-finish', /option --on-finish/, enq('--on-finish', 'echo finished', 'true')],
  ['--after-any (no such task)', /option --after-any/, enq('--after-any', 'nope', 'true')],
  ['--stdin', /option --stdin/, { args: ['tasks-enqueue', '--stdin'], input: 'echo a\n# no\necho b\n' }],
  ['-h', /option -h/, enq('-h')],
  ['an unknown option', /option --bogus/, enq('--bogus', 'x')],
  ['an unknown short option', /option -x/, enq('-x', 'true')],
  ['a priority Node reads but we do not: 05', /--priority 05/, enq('-p', '05', 'true')],
  ['a priority Node reads but we do not: +5', /--priority \+5/, enq('--priority=+5', 'true')],
  ['a priority out of range', /--priority 1001/, enq('-p', '1001', 'true')],
  ['a priority that is no number', /--priority x/, enq('-p', 'x', 'true')],
  ['an env that is not NAME=value', /--env 1A=b/, enq('-e', '1A=b', 'true')],
  ['a label on two lines', /encode/, enq('-l', 'a\nb', 'true')],
  ['a command with a newline (KEY:json=)', /encode/, enq('printf', 'a\nb')],
  ['a command with a CR', /encode/, enq('echo\r')],
  ['an env value with a newline', /encode/, enq('-e', 'A=1\n2', 'true')],
  ['no command', /no command/, enq()],
  ['no command after --', /no command/, enq('-p', '1', '--')],
  ['a blank command', /blank command/, enq(' \t ')],
  ['a command of unicode blanks', /blank command/, enq('\u00a0\u3000')],
  ['a --cwd that does not exist', /not a directory/, enq('-d', '{dir}/nonexistent', 'true')],
  ['--root empty', /empty --root/, enq('--root', '', 'true')],
  ['--root blank', /blank --root/, enq('--root', ' ', 'true')],
  ['--label empty', /empty --label/, enq('--label=', 'true')],
  ['-p without a value', /-p without a value/, enq('-p')],
  ['a label given twice', /--label given twice/, enq('-l', 'x', '-l', 'y', 'true')],
  ['--root given twice', /--root given twice/, { args: ['--root', '{dir}/other', 'tasks-enqueue', '--root', '{dir}/other', 'true'] }],
  ['TMUX_ORC_NO_FAST=1', /TMUX_ORC_NO_FAST/, { args: ['tasks-enqueue', 'true'], env: { TMUX_ORC_NO_FAST: '1' } }],
  ['TMUX_ORC_CHECK_ARGS=1', /TMUX_ORC_CHECK_ARGS/, { args: ['tasks-enqueue', 'true'], env: { TMUX_ORC_CHECK_ARGS: '1' } }],
  ['no tree anywhere above: Node refuses, exit 3', /no tree found/, { args: ['tasks-enqueue', 'true'], cwd: '/' }],
  ['a tree missing a directory: Node adds it', /missing or unreadable/, enq('--root', '{dir}/old', 'true')],
  ['a session name with a path in it', /session name/, { args: ['tasks-enqueue', 'true'], env: { TMUX_SESSION: 'a/b' } }],
];

T('plain enqueues take the fast path (no node on PATH) and write the file Node writes', async ({ dir }) => {
  await trees(dir);
  const noNode = noNodePath(dir);
  for (const [name, c] of FAST) {
    const f = expand(c, dir, 'f');
    const fast = await front(f.args, { cwd: f.cwd, env: { ...f.env, PATH: noNode } });
    assert.is(fast.code, 0, `${name}: the fast path, without node (${fast.stderr})`);
    assert.is(fast.stderr, '', name);
    const n = expand(c, dir, 'n');
    const node = await cli(n.args, { cwd: n.cwd, env: n.env });
    assert.is(node.code, 0, `${name}: node (${node.stderr})`);
    const [fid, nid] = [fast.stdout, node.stdout].map((s) => s.slice(0, -1));
    assert.match(fast.stdout, /^t[0-9a-z]{15}\n$/, name);
    assert.equal(masked(dir, fid, true), masked(dir, nid), name);
  }
  for (const t of ['var/tmux/' + SESSION + '/tasks', 'other']) assert.equal(names(path.join(dir, t), 'tmp'), [], `nothing left in ${t}/tmp`);
});

T('every other case goes to Node and behaves as Node does', async ({ dir }) => {
  await trees(dir);
  fs.rmdirSync(path.join(dir, 'old', 'cancels'));
  for (const [name, reason, c] of FALLBACK) {
    const f = expand(c, dir, 'f');
    const viaFront = await front(f.args, { cwd: f.cwd, env: { ...f.env, TMUX_ORC_FAST_DEBUG: '1' }, input: c.input });
    const first = viaFront.stderr.split('\n')[0];
    assert.match(first, /^tmux-orc: node \(/, `${name}: ${viaFront.stderr}`);
    assert.match(first, reason, name);
    const n = expand(c, dir, 'n');
    const node = await cli(n.args, { cwd: n.cwd, env: n.env, input: c.input });
    const stderr = viaFront.stderr.slice(first.length + 1);
    assert.is(viaFront.code, node.code, `${name}: exit code (${stderr} / ${node.stderr})`);
    assert.is(stderr.replaceAll('x-f', 'x-n'), node.stderr, name);
    const [fids, nids] = [idsOf(viaFront), idsOf(node)];
    if (node.code === 0 && nids.every((i) => ID.test(i) || i === 'x-n')) {
      assert.is(fids.length, nids.length, name);
      fids.forEach((fid, i) => assert.equal(masked(dir, fid), masked(dir, nids[i]), name));
    } else {
      assert.is(viaFront.stdout, node.stdout, name);
    }
  }
  assert.ok(fs.statSync(path.join(dir, 'old', 'cancels')).isDirectory(), 'Node made the missing directory');
});

T('bytes that are not UTF-8 go to Node, which writes what it reads', async ({ dir }) => {
  await trees(dir);
  // spawn() takes strings: bash passes the raw bytes.
  const both = async (e: NodeJS.ProcessEnv) => run('bash', ['-c', `exec "$0" tasks-enqueue printf $'a\\xffb' $'\\xc3'`, BIN], { cwd: dir, env: env(e) });
  const viaFront = await both({ TMUX_ORC_FAST_DEBUG: '1' });
  assert.match(viaFront.stderr, /^tmux-orc: node \(a value Node would encode\)\n$/);
  const node = await both({ TMUX_ORC_NO_FAST: '1' });
  assert.is(viaFront.code, 0);
  assert.equal(masked(dir, idsOf(viaFront)[0]), masked(dir, idsOf(node)[0]));
});

T('inside a pane of our server: the session\'s recorded tree, found the same way', async ({ dir }) => {
  await trees(dir);
  const sock = tmuxSocket('fast');
  try {
    tmux(sock, 'new-session', '-d', '-s', SESSION);
    const sid = tmux(sock, 'display-message', '-p', '-t', `=${SESSION}`, '#{session_id}').trim().slice(1);
    tmux(sock, 'set-environment', '-t', `=${SESSION}`, 'TASK_ROOT', path.join(dir, 'other'));
    const noNode = noNodePath(dir);
    for (const TMUX of [`/tmp/tmux-0/${sock},1,${sid}`, `/tmp/tmux-0/${sock},1,x`, `/tmp/tmux-0/default,1,${sid}`]) {
      const e = { ...env({ TMUX_SOCKET: sock }), TMUX }; // testEnv drops $TMUX: set after
      const fast = await front(['tasks-enqueue', 'true'], { cwd: path.join(dir, 'sub'), env: { ...e, PATH: noNode } });
      assert.is(fast.code, 0, `${TMUX}: ${fast.stderr}`);
      const node = await cli(['tasks-enqueue', 'true'], { cwd: path.join(dir, 'sub'), env: e });
      const where = (id: string) => names(path.join(dir, 'other'), 'queue').some((n) => n.includes(id));
      assert.is(where(fast.stdout.trim()), where(node.stdout.trim()), `${TMUX}: the same tree`);
      assert.equal(masked(dir, fast.stdout.trim()), masked(dir, node.stdout.trim()), TMUX);
    }
    assert.is(names(path.join(dir, 'other'), 'queue').length, 4, 'our server\'s pane, by session ID or name: the recorded tree');
    // A session without a recorded tree: Node walks up from here.
    tmux(sock, 'set-environment', '-u', '-t', `=${SESSION}`, 'TASK_ROOT');
    const e = { ...env({ TMUX_SOCKET: sock, TMUX_ORC_FAST_DEBUG: '1' }), TMUX: `/tmp/tmux-0/${sock},1,${sid}` };
    const r = await front(['tasks-enqueue', 'true'], { cwd: dir, env: e });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /^tmux-orc: node \(no tree recorded in this pane's session\)\n$/);
  } finally {
    killTmux(sock);
  }
});

T('an unsafe tree is refused by Node with exit 5: group-writable, or under a group-writable directory', async ({ dir }) => {
  const root = path.join(dir, 'gw', 'tree');
  assert.is((await cli(['tasks-init', '--root', root], { env: env() })).code, 0);
  const e = env({ TMUX_ORC_FAST_DEBUG: '1' });
  fs.chmodSync(root, 0o770);
  let r = await front(['tasks-enqueue', '--root', root, 'true'], { cwd: dir, env: e });
  assert.is(r.code, 5, r.stderr);
  assert.match(r.stderr, /^tmux-orc: node \(unsafe tree: .*\/gw\/tree\)\ntmux-orc: refusing .*\/gw\/tree: writable by group or others \(mode 770\)/);
  fs.chmodSync(root, 0o700);
  fs.chmodSync(path.join(dir, 'gw'), 0o775);
  r = await front(['tasks-enqueue', '--root', root, 'true'], { cwd: dir, env: e });
  assert.is(r.code, 5, r.stderr);
  assert.match(r.stderr, /^tmux-orc: node \(unsafe tree: above it, .*\/gw\)\ntmux-orc: refusing the tree under .*\/gw: that directory is writable by group or others/);
  assert.equal(names(root, 'queue'), [], 'nothing queued');
  assert.equal(names(root, 'tmp'), [], 'nothing left in tmp/');
});

T('a task queued by the front end runs under a real worker and ends done with the expected output', async ({ dir }) => {
  const root = path.join(dir, 'tree');
  assert.is((await cli(['tasks-init', '--root', root], { env: env() })).code, 0);
  const words = ['printf', '%s|', 'a', 'b c', "it's", 'é', '$HOME', '-p', '5'];
  const r = await front(['tasks-enqueue', '--root', root, '-e', 'X=1', ...words], { cwd: dir, env: { ...env(), PATH: noNodePath(dir) } });
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  const w = await cli(['worker', '--root', root, '--until-empty'], { env: env(), timeoutMs: 30000 });
  assert.is(w.code, 0, w.stderr);
  const done = names(root, 'done');
  assert.is(done.length, 1, `done: ${done} failed: ${names(root, 'failed')}`);
  assert.match(fs.readFileSync(path.join(root, 'done', done[0]), 'utf8'), new RegExp(`^ID=${id}\\n[^]*^STATUS=done$`, 'm'));
  assert.is(fs.readFileSync(path.join(root, 'logs', `${id}.out`), 'utf8'), "a|b c|it's|é|$HOME|-p|5|");
});

T('installed as a symlink (npm link): Node is found through it; the file is executable', async ({ dir }) => {
  const link = path.join(dir, 'tmux-orc');
  fs.symlinkSync(path.relative(dir, BIN), link);
  const r = await run(link, ['--version'], { env: env() });
  const node = await cli(['--version'], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, node.stdout);
  fs.accessSync(BIN, fs.constants.X_OK);
});

T.run();
