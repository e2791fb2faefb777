/** Reading the tree from tests: where a task is and what its file says. */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, last } from '../../src/persist/codec.ts';
import { signalGroup } from '../../src/persist/proc.ts';
import { ensureTree, tree } from '../../src/queue/tree.ts';
import { cleanup, cli, killAll, needingPerl, tempDir, testEnv } from '../helpers.ts';

/**
 * A suite whose every test gets a temp dir and a tree root in it. After each, also when it failed,
 * the started processes are killed, and so are the process groups of tasks still running (a
 * killed worker's task lives on with its launcher, as it would in a pane).
 */
export function treeSuite(name: string) {
  const s = suite<{ dir: string; root: string }>(name);
  s.before.each((ctx) => {
    ctx.dir = tempDir();
    ctx.root = path.join(ctx.dir, 'tree');
    ensureTree(tree(ctx.root)); // only tasks-init and init create a tree (README "Finding the tree")
  });
  s.after.each((ctx) => {
    killAll();
    killRunningGroups(ctx.root);
    cleanup(ctx.dir);
  });
  return needingPerl(s, name);
}

function killRunningGroups(root: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(root, 'running'));
  } catch {
    return;
  }
  for (const name of names) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(root, 'running', name), 'utf8');
    } catch {
      continue;
    }
    for (const pgid of fieldsOf(text, 'PGID').map(Number)) if (pgid > 1) signalGroup(pgid, 'SIGKILL');
  }
}

/** `tasks-enqueue ARGS` on the tree; asserts success and returns the ID. */
export async function enqueue(root: string, ...args: string[]): Promise<string> {
  const r = await cli(['tasks-enqueue', ...args], { env: testEnv(root) });
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim();
}

export type State = 'queue' | 'running' | 'done' | 'failed';

/** The state dir and file text of a task, or undefined. */
export function locate(root: string, id: string): { state: State; text: string; file: string } | undefined {
  for (const state of ['queue', 'running', 'done', 'failed'] as const) {
    let files: string[] = [];
    try {
      files = fs.readdirSync(path.join(root, state));
    } catch {
      continue;
    }
    const name = files.find((n) => n.endsWith(`-${id}.task`) || n.endsWith(`_${id}.task`) || n === id);
    if (name) {
      const file = path.join(root, state, name);
      try {
        return { state, text: fs.readFileSync(file, 'utf8'), file };
      } catch {
        return undefined; // moved while we looked
      }
    }
  }
  return undefined;
}

export function field(text: string, key: string): string | undefined {
  return last(decode(text), key);
}

export function fieldsOf(text: string, key: string): string[] {
  return decode(text).filter(([k]) => k === key).map(([, v]) => v);
}

/** Processes whose process group is `pgid`. */
export function groupAlive(pgid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z' && Number(rest[2]) === pgid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** The launcher (Perl) of a task: the parent of its group's leader. */
export function launcherOf(pgid: number): number {
  return Number(fs.readFileSync(`/proc/${pgid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
}

/**
 * SIGKILL what supervises a running task: its launcher and its recorder (the group's leader), so
 * that only the command itself is left, orphaned; the worker is the caller's to kill.
 */
export function killSupervisors(pgid: number): void {
  const launcher = launcherOf(pgid);
  process.kill(launcher, 'SIGKILL');
  process.kill(pgid, 'SIGKILL');
}
