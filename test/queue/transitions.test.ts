/**
 * The named filesystem transitions (src/queue/transitions.ts) on a real temp tree: where a file
 * lands, what its new version says, that the source goes and tmp/ is left empty, and that
 * nothing is ever overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, encode } from '../../src/persist/codec.ts';
import { afterRun, interrupted, type Dir, type Move, type RunResult } from '../../src/queue/lifecycle.ts';
import { parseTask } from '../../src/queue/task.ts';
import { moveUnchanged, quarantine, settle } from '../../src/queue/transitions.ts';
import { ensureTree, taskName, tree, type Tree } from '../../src/queue/tree.ts';
import { iso } from '../../src/time.ts';
import { cleanup, tempDir } from '../helpers.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const NAME = taskName('t', 0, 1_000_000);
const SPEC = 'ID=t\nCMD=echo hi\n';
const CLAIM = `ATTEMPT=1\nWORKER=0\nHOST=h\nWORKER_PID=1\nWORKER_START=1\nCLAIM=tok\nSTARTED=${iso(NOW - 5000)}\n`;
const run = (r: Partial<RunResult>): RunResult => ({ exitCode: 0, signal: null, timedOut: false, cancelled: false, durationMs: 5, ...r });

const T = suite<{ dir: string; t: Tree }>('transitions');
T.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.t = tree(path.join(ctx.dir, 'tree'));
  ensureTree(ctx.t);
});
T.after.each((ctx) => cleanup(ctx.dir));

const at = (t: Tree, d: Dir, name = NAME) => path.join(t.dir(d), name);
const read = (t: Tree, d: Dir) => fs.readFileSync(at(t, d), 'utf8');
const exists = (t: Tree, d: Dir) => fs.lstatSync(at(t, d), { throwIfNoEntry: false }) !== undefined;
const tmpNames = (t: Tree) => fs.readdirSync(t.dir('tmp'));
/** Which state directories hold the task's name. */
const whereIs = (t: Tree) => (['queue', 'running', 'done', 'failed'] as const).filter((d) => exists(t, d));
function put(t: Tree, d: Dir, text: string): fs.Stats {
  fs.writeFileSync(at(t, d), text, { mode: 0o600 });
  return fs.statSync(at(t, d));
}

// ---- settle -----------------------------------------------------------------------------

// [what, the running file's text, the move (from that text's task), destination, the new version]
type Case = [string, string, (text: string) => Move, Dir, (text: string, m: Move) => string];
const appended = (text: string, m: Move) => text + encode(m.append);
const task = (text: string) => parseTask(decode(text), 't');
const cases: Case[] = [
  ['exit 0', SPEC + CLAIM, (x) => afterRun(task(x), run({}), NOW), 'done', appended],
  ['exit 1, retries spent', SPEC + CLAIM, (x) => afterRun(task(x), run({ exitCode: 1 }), NOW), 'failed', appended],
  ['exit 1, retries left', `${SPEC}RETRIES=2\n${CLAIM}`, (x) => afterRun(task(x), run({ exitCode: 1 }), NOW), 'queue', appended],
  ['interrupted', SPEC + CLAIM, () => interrupted(NOW), 'queue', appended],
  [
    'a recurring run (compact: the spec and the new record only)',
    `${SPEC}EVERY=1m\nENV=A=b\n${CLAIM}FINISHED=${iso(NOW - 60_000)}\nSTATUS=done\nRUNS=1\nDUE=${iso(NOW - 1000)}\n${CLAIM}`,
    (x) => afterRun(task(x), run({}), NOW),
    'queue',
    (_text, m) => `${SPEC}EVERY=1m\nENV=A=b\n${encode(m.append)}`,
  ],
];

for (const [what, text, moveFor, to, expected] of cases) {
  T(`settle: ${what} → ${to}/, holding the old text and the record`, ({ t }) => {
    put(t, 'running', text);
    const m = moveFor(text);
    assert.is(m.to, to);
    assert.is(settle(t, 'running', NAME, task(text), text, m), 'moved');
    const want = expected(text, m);
    assert.is(read(t, to), want);
    if (m.compact) assert.not.match(read(t, to), /CLAIM=|RUNS=1\n/);
    else assert.ok(read(t, to).startsWith(text));
    assert.equal(whereIs(t), [to], 'in its destination only; the source is gone');
    const st = fs.statSync(at(t, to));
    assert.is(st.nlink, 1, 'no second link left behind (a claimer refuses two)');
    assert.is(st.mode & 0o777, 0o600);
    assert.equal(tmpNames(t), []);
  });
}

for (const to of ['done', 'failed', 'queue'] as const) {
  T(`settle to ${to}/: gone when the source is missing, nothing written`, ({ t }) => {
    const m: Move = { to, append: [['STATUS', 'x']] };
    assert.is(settle(t, 'running', NAME, task(SPEC), SPEC, m), 'gone');
    assert.equal(whereIs(t), []);
    assert.equal(tmpNames(t), []);
  });

  T(`settle to ${to}/: exists when ${to}/ has the name already; nothing overwritten, the source untouched`, ({ t }) => {
    const before = put(t, 'running', SPEC + CLAIM);
    put(t, to, 'ID=t\nCMD=the other one\n');
    const m: Move = { to, append: [['FINISHED', iso(NOW)], ['STATUS', 'done']] };
    assert.is(settle(t, 'running', NAME, task(SPEC + CLAIM), SPEC + CLAIM, m), 'exists');
    assert.is(read(t, to), 'ID=t\nCMD=the other one\n');
    assert.is(read(t, 'running'), SPEC + CLAIM);
    const after = fs.statSync(at(t, 'running'));
    assert.equal([after.ino, after.nlink], [before.ino, 1]);
    assert.equal(tmpNames(t), []);
  });
}

for (const to of ['done', 'queue'] as const) {
  T(`settle to ${to}/: a text without a final newline gets one before the record`, ({ t }) => {
    const text = 'ID=t\nCMD=echo hi';
    put(t, 'running', text);
    const m: Move = { to, append: [['FINISHED', iso(NOW)], ['STATUS', 'x']] };
    assert.is(settle(t, 'running', NAME, task(text), text, m), 'moved');
    assert.is(read(t, to), `ID=t\nCMD=echo hi\nFINISHED=${iso(NOW)}\nSTATUS=x\n`);
    assert.equal(decode(read(t, to)).map(([k]) => k), ['ID', 'CMD', 'FINISHED', 'STATUS']);
  });
}

// ---- moveUnchanged ------------------------------------------------------------------------

for (const [to, how] of [['queue', 'by rename'], ['failed', 'by link and unlink']] as const) {
  T(`moveUnchanged to ${to}/ (${how}): the same file, same inode and text, one link`, ({ t }) => {
    const before = put(t, 'running', SPEC + CLAIM);
    assert.is(moveUnchanged(t, 'running', NAME, to), 'moved');
    assert.equal(whereIs(t), [to]);
    const after = fs.statSync(at(t, to));
    assert.equal([after.ino, after.nlink], [before.ino, 1]);
    assert.is(read(t, to), SPEC + CLAIM);
    assert.equal(tmpNames(t), []);
  });

  T(`moveUnchanged to ${to}/: gone when the source is missing`, ({ t }) => {
    assert.is(moveUnchanged(t, 'running', NAME, to), 'gone');
    assert.equal(whereIs(t), []);
  });

  T(`moveUnchanged to ${to}/: exists when the name is taken; both files untouched`, ({ t }) => {
    const src = put(t, 'running', SPEC + CLAIM);
    const dest = put(t, to, 'ID=t\nCMD=the other one\n');
    assert.is(moveUnchanged(t, 'running', NAME, to), 'exists');
    assert.is(read(t, 'running'), SPEC + CLAIM);
    assert.is(read(t, to), 'ID=t\nCMD=the other one\n');
    assert.equal([fs.statSync(at(t, 'running')).ino, fs.statSync(at(t, to)).ino], [src.ino, dest.ino]);
    assert.equal([fs.statSync(at(t, 'running')).nlink, fs.statSync(at(t, to)).nlink], [1, 1]);
  });
}

// ---- quarantine ---------------------------------------------------------------------------

/** A file outside the tree, and a check that it is as it was. */
function outside(dir: string): { file: string; untouched: () => void } {
  const file = path.join(dir, 'outside.txt');
  fs.writeFileSync(file, 'not a task, not yours\n', { mode: 0o600 });
  const ino = fs.statSync(file).ino;
  return {
    file,
    untouched: () => {
      assert.is(fs.readFileSync(file, 'utf8'), 'not a task, not yours\n');
      assert.is(fs.statSync(file).ino, ino);
    },
  };
}

T('quarantine: a symlink moves to failed/ as a symlink, its target untouched', ({ dir, t }) => {
  const o = outside(dir);
  fs.symlinkSync(o.file, at(t, 'queue'));
  assert.is(quarantine(t, NAME), 'moved');
  assert.equal(whereIs(t), ['failed']);
  assert.ok(fs.lstatSync(at(t, 'failed')).isSymbolicLink());
  assert.is(fs.readlinkSync(at(t, 'failed')), o.file);
  o.untouched();
  assert.equal(tmpNames(t), []);
});

T('quarantine: a directory moves to failed/ with what it holds', ({ t }) => {
  fs.mkdirSync(at(t, 'queue'));
  fs.writeFileSync(path.join(at(t, 'queue'), 'inside'), 'x');
  const ino = fs.statSync(at(t, 'queue')).ino;
  assert.is(quarantine(t, NAME), 'moved');
  assert.equal(whereIs(t), ['failed']);
  assert.ok(fs.lstatSync(at(t, 'failed')).isDirectory());
  assert.is(fs.statSync(at(t, 'failed')).ino, ino);
  assert.is(fs.readFileSync(path.join(at(t, 'failed'), 'inside'), 'utf8'), 'x');
});

T('quarantine: a hard link moves to failed/ still linked to the outside file, which is untouched', ({ dir, t }) => {
  const o = outside(dir);
  fs.linkSync(o.file, at(t, 'queue'));
  assert.is(quarantine(t, NAME), 'moved');
  assert.equal(whereIs(t), ['failed']);
  const st = fs.statSync(at(t, 'failed'));
  assert.equal([st.ino, st.nlink], [fs.statSync(o.file).ino, 2]);
  o.untouched();
  assert.equal(tmpNames(t), []);
});

T('quarantine: exists when failed/ has the name; neither is overwritten', ({ dir, t }) => {
  const o = outside(dir);
  fs.symlinkSync(o.file, at(t, 'queue'));
  put(t, 'failed', 'ID=t\nCMD=the other one\nSTATUS=failed\n');
  assert.is(quarantine(t, NAME), 'exists');
  assert.ok(fs.lstatSync(at(t, 'queue')).isSymbolicLink());
  assert.is(fs.readlinkSync(at(t, 'queue')), o.file);
  assert.is(read(t, 'failed'), 'ID=t\nCMD=the other one\nSTATUS=failed\n');
  o.untouched();
});

T('quarantine: gone when queue/ no longer has it', ({ t }) => {
  assert.is(quarantine(t, NAME), 'gone');
  assert.equal(whereIs(t), []);
});

T.run();
