/** Settings: default < config file < environment < flag, with sources; a bad file is refused with FILE:LINE (exit 2). */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup, cli, tempDir, testEnv } from '../helpers.js';
import { parseSize } from '../../src/config/settings.js';

const test = suite('config');
let dir: string;
test.before.each(() => {
  dir = tempDir();
});
test.after.each(() => cleanup(dir));

/** The environment of a run in `dir`: no XDG config of the user's, none of the settings set. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e = testEnv(undefined, { XDG_CONFIG_HOME: path.join(dir, 'xdg'), ...extra });
  for (const k of ['WORKERS', 'TMUX_SESSION', 'TMUX_ORC_TASK_LOG_MAX', 'TMUX_ORC_PANE_LOG_KEEP', 'TMUX_ORC_CONFIG', 'TMUX_ORC_FROM_FILE']) if (!(k in extra)) delete e[k];
  return e;
}

type Row = { key: string; value: unknown; source: string };
async function settings(args: string[], e: NodeJS.ProcessEnv, cwd = dir): Promise<Map<string, Row>> {
  const r = await cli([...args, '--json'], { env: e, cwd });
  assert.is(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout).settings as Row[]).map((s) => [s.key, s]));
}

test('each layer wins over the one before: default < file < env < flag, and says so', async () => {
  fs.writeFileSync(path.join(dir, 'tmux-orc.yaml'), '# ours\nworkers: 6\ntask_log_max: 2MiB\npane_log_keep: 3\nsession: filed\n');
  const sub = path.join(dir, 'a', 'b');
  fs.mkdirSync(sub, { recursive: true });
  const s = await settings(['--set', 'workers=9', 'config', '--set', 'task_log_max=1m'], env({ WORKERS: '7', TMUX_SESSION: 'envd', TMUX_ORC_TASK_LOG_MAX: '3MiB' }), sub);
  const file = path.join(dir, 'tmux-orc.yaml');
  assert.equal(s.get('history_limit'), { ...s.get('history_limit')!, value: 50000, source: 'default' });
  assert.equal([s.get('pane_log_keep')!.value, s.get('pane_log_keep')!.source], [3, `${file}:4`]);
  assert.equal([s.get('session')!.value, s.get('session')!.source], ['envd', 'env']);
  assert.equal([s.get('workers')!.value, s.get('workers')!.source], [9, 'flag']);
  assert.equal([s.get('task_log_max')!.value, s.get('task_log_max')!.source], [1048576, 'flag']);
});

test('a file value reaches the commands (the tree of the session it names), and the XDG file is the fallback', async () => {
  fs.mkdirSync(path.join(dir, 'xdg', 'tmux-orc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'xdg', 'tmux-orc', 'config.yaml'), 'session: fromxdg\n');
  const r = await cli(['tasks-init'], { env: env(), cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'var', 'tmux', 'fromxdg', 'tasks', 'queue')));
  // The bash front end hands the enqueue to Node, which finds the same tree.
  const e = await run(['tasks-enqueue', 'true'], env());
  assert.is(e.code, 0, e.stderr);
  assert.is(fs.readdirSync(path.join(dir, 'var', 'tmux', 'fromxdg', 'tasks', 'queue')).length, 1);
  const s = await settings(['config'], env());
  assert.is(s.get('session')!.source, `${path.join(dir, 'xdg', 'tmux-orc', 'config.yaml')}:1`);
});

async function run(args: string[], e: NodeJS.ProcessEnv) {
  const { run: runFile, REPO } = await import('../helpers.js');
  return runFile(path.join(REPO, 'bin', 'tmux-orc'), args, { env: e, cwd: dir });
}

test('a typo, a bad value or a list is refused with FILE:LINE: key: why, exit 2, by every command', async () => {
  const file = path.join(dir, 'tmux-orc.yaml');
  const cases: Array<[string, RegExp]> = [
    ['workers: 4\nworker_layuot: tiled\n', /tmux-orc\.yaml:2: worker_layuot: unknown setting \(did you mean worker_layout\?\)/],
    ['\n\nremain_on_exit: maybe\n', /tmux-orc\.yaml:3: remain_on_exit: must be on, off or failed, got "maybe"/],
    ['task_log_max: lots\n', /tmux-orc\.yaml:1: task_log_max: not a size: "lots"/],
    ['workers: [1, 2]\n', /tmux-orc\.yaml:1: workers: must be a single value/],
    ['workers: 1\nworkers: 2\n', /tmux-orc\.yaml:2: .*unique/i],
  ];
  for (const [text, want] of cases) {
    fs.writeFileSync(file, text);
    for (const args of [['config'], ['tasks-list'], ['tasks-paths']]) {
      const r = await cli(args, { env: env(), cwd: dir });
      assert.is(r.code, 2, `${text} ${args}: ${r.stderr}`);
      assert.match(r.stderr, want);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(file), r.stderr);
    }
  }
});

test('TMUX_ORC_CONFIG names the file; one that is missing is refused (exit 3); a bad variable is named (exit 2)', async () => {
  const file = path.join(dir, 'elsewhere.yaml');
  fs.writeFileSync(file, 'pane_log_keep: 9\n');
  const s = await settings(['config'], env({ TMUX_ORC_CONFIG: file }));
  assert.is(s.get('pane_log_keep')!.source, `${file}:1`);
  const missing = await cli(['config'], { env: env({ TMUX_ORC_CONFIG: path.join(dir, 'nope.yaml') }), cwd: dir });
  assert.is(missing.code, 3, missing.stderr);
  const bad = await cli(['config'], { env: env({ TMUX_ORC_TASK_LOG_MAX: 'huge' }), cwd: dir });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /TMUX_ORC_TASK_LOG_MAX: not a size: "huge"/);
});

test('sizes: binary units, case-insensitive', () => {
  const table: Array<[string, number]> = [['1048576', 1048576], ['64MiB', 64 * 2 ** 20], ['512k', 512 * 1024], ['1g', 2 ** 30], ['2 MB', 2 * 2 ** 20], ['1.5KiB', 1536]];
  for (const [t, n] of table) assert.is(parseSize(t), n, t);
  for (const t of ['', 'MiB', '-1', '1TB', 'ten']) assert.throws(() => parseSize(t), /not a size/, t);
});

test.run();
