/**
 * Help that helps (issue 14): every command's --help shows an example, every example is accepted
 * by the parser as written, the task-queue examples run as written in a fresh directory, and a
 * mistyped command gets the nearest one suggested.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, CLI, cli, run, tempDir, testEnv } from '../helpers.ts';

const T = suite<{ dir: string }>('help and examples');
T.before.each((ctx) => {
  ctx.dir = tempDir();
});
T.after.each((ctx) => cleanup(ctx.dir));

/** Command paths (`tasks-list`, `agent spawn`) listed under "Commands:" of a help text. */
function commandsIn(help: string, prefix: string): string[] {
  const out: string[] = [];
  const at = help.indexOf('\nCommands:\n');
  if (at < 0) return out;
  for (const line of help.slice(at + 11).split('\n')) {
    if (!line.startsWith('  ')) break;
    const m = new RegExp(`^  tmux-orc ${prefix}([a-z][a-z-]*)\\b`).exec(line);
    if (m) out.push(`${prefix}${m[1]}`);
  }
  return out;
}

/** The examples of a help text: the part from `tmux-orc` on of each line under "Examples:". */
function examplesIn(help: string): string[] {
  const at = help.indexOf('\nExamples:\n');
  if (at < 0) return [];
  const out: string[] = [];
  for (const line of help.slice(at + 11).split('\n')) {
    if (!line.startsWith('  ')) break;
    out.push(line.trim().split(/\s{2,}/)[0]);
  }
  return out;
}

/** Split a shell word list with '…' and "…" quoting (what the examples use). */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** `fn` over `items`, `n` at a time (each is a CLI process of its own: the test waits on start-ups). */
async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
  }));
  return out;
}

async function allCommands(): Promise<Map<string, string>> {
  const top = (await cli(['--help'])).stdout;
  const tops = commandsIn(top, '');
  const helps = new Map(await pool(tops, 3, async (c) => [c, (await cli([c, '--help'])).stdout] as [string, string]));
  const subs = tops.flatMap((c) => commandsIn(helps.get(c)!, `${c} `).filter((s) => s !== c));
  for (const [s, help] of await pool(subs, 3, async (s) => [s, (await cli([...s.split(' '), '--help'])).stdout] as const)) helps.set(s, help);
  return helps;
}

T('every command and subcommand shows at least one example, and the parser accepts each as written', async () => {
  const helps = await allCommands();
  assert.ok(helps.size > 40, `found ${helps.size} commands`);
  const checks: Array<[string, string]> = [];
  for (const [c, help] of helps) {
    const ex = examplesIn(help);
    assert.ok(ex.some((e) => e.includes(`tmux-orc ${c}`)), `${c} --help has an example of itself:\n${help}`);
    for (const e of ex) checks.push([c, e]);
  }
  const env = testEnv(undefined, { TMUX_ORC_CHECK_ARGS: '1' });
  const results = await pool(checks, 3, ([, e]) => cli(words(e.slice(e.indexOf('tmux-orc ') + 9).split(/ [<>|] /)[0]), { env }));
  results.forEach((r, i) => assert.equal([r.code, r.stdout, r.stderr], [0, 'arguments ok\n', ''], `${checks[i][0]}: ${checks[i][1]}`));
});

T('the task-queue examples run as written, in order, in a fresh directory', async ({ dir }) => {
  const env = testEnv(undefined, { TMUX_SESSION: `ex${process.pid}` });
  const order = ['tasks-init', 'tasks-enqueue', 'tasks-list', 'tasks-paths', 'tasks-health', 'tasks-cancel', 'tasks-retry', 'worker', 'tasks-tail', 'tasks-clean'];
  let ran = 0;
  for (const c of order) {
    for (const e of examplesIn((await cli([c, '--help'])).stdout)) {
      // Left to the parse check above: a second tree elsewhere, and what blocks until a worker runs it.
      if (/--root|--wait|tasks-tail -f|worker --id/.test(e)) continue;
      const r = await run('bash', ['-c', `tmux-orc() { "${process.execPath}" "${CLI}" "$@"; }; ${e}`], { env, cwd: dir });
      assert.ok(r.code === 0 || (c === 'tasks-health' && r.code === 8), `${e}: exit ${r.code}: ${r.stderr}`);
      ran++;
    }
  }
  assert.ok(ran >= 15, `ran ${ran}`);
  assert.ok(fs.existsSync(path.join(dir, 'var', 'tmux', `ex${process.pid}`, 'tasks', 'done')));
});

T('a mistyped command gets the nearest one suggested, with exit 2 and one line', async () => {
  for (const [args, hint] of [[['tasks-lsit'], 'did you mean tasks-list?'], [['agent', 'lst'], 'did you mean agent list?'], [['tasks-enqeue', 'true'], 'did you mean tasks-enqueue?']] as const) {
    const r = await cli([...args]);
    assert.is(r.code, 2);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.includes(hint), r.stderr);
  }
});

T('tasks-stop --json and the other --json options have help text', async () => {
  for (const c of ['tasks-stop', 'tasks-start', 'logs-on', 'logs-off']) {
    const line = (await cli([c, '--help'])).stdout.split('\n').find((l) => l.includes('--json'))!;
    assert.match(line, /--json\s+\S.*\[boolean\]/, `${c}: ${line}`);
  }
});

T('--stdin skips blank lines and # comment lines', async ({ dir }) => {
  const root = path.join(dir, 'tree');
  assert.is((await cli(['tasks-init'], { env: testEnv(root) })).code, 0);
  const r = await cli(['tasks-enqueue', '--stdin'], { env: testEnv(root), input: '# build everything\necho a\n\n   # indented comment\necho b # not a comment line\n' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim().split('\n').length, 2);
  const cmds = fs.readdirSync(path.join(root, 'queue')).sort().map((n) => /^CMD=(.*)$/m.exec(fs.readFileSync(path.join(root, 'queue', n), 'utf8'))![1]);
  assert.equal(cmds, ['echo a', 'echo b # not a comment line']);
});

T.run();
