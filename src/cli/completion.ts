/**
 * Shell completion (`tmux-orc completion` prints yargs' bash/zsh script): commands and options as
 * yargs knows them, plus task IDs for the commands that take one and agent names for those that
 * take an agent, read from the tree this shell would use. Never fails: no tree, no extra words.
 */
import fs from 'node:fs';
import yargs, { type CommandModule } from 'yargs';
import { resolveRoot } from '../root.js';
import { nameInfo, STATE_DIRS, tree } from '../queue/tree.js';
import { listAgents } from '../agents/registry.js';

/** Commands whose first argument is a task ID. */
const TASK_ARG = new Set(['tasks-tail', 'tasks-cancel', 'tasks-retry']);
/** Commands (and `agent` subcommands) whose arguments are agent names. */
const AGENT_ARG = new Set(['send', 'agent status', 'agent kill', 'agent revive']);

function treeRoot(root: unknown): string | undefined {
  try {
    const r = resolveRoot({ root: typeof root === 'string' ? root : undefined }).root;
    return fs.statSync(r, { throwIfNoEntry: false })?.isDirectory() ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Task IDs in the tree, newest names last (as the directories sort). */
export function taskIds(root: string): string[] {
  const t = tree(root);
  const ids: string[] = [];
  for (const d of STATE_DIRS) {
    try {
      for (const n of fs.readdirSync(t.dir(d))) ids.push(nameInfo(n).id ?? n);
    } catch {
      // a missing directory: nothing from it
    }
  }
  return ids;
}

type Done = (completions: string[]) => void;
type Fallback = (onCompleted?: (err: Error | null, completions: string[] | undefined) => void) => void;

/** yargs' completion function (the four-argument form: it can fall back to the defaults). */
export function complete(current: string, argv: { _: Array<string | number>; root?: unknown }, fallback: Fallback, done: Done): void {
  // argv._: the script's name, the words typed, then the word being completed (maybe '').
  const words = argv._.map(String).slice(1, -1);
  const cmd = words[0] === 'agent' ? `agent ${words[1] ?? ''}` : (words[0] ?? '');
  const position = words.length - (words[0] === 'agent' ? 1 : 0); // 1: the first argument
  const root = !current.startsWith('-') && position >= 1 ? treeRoot(argv.root) : undefined;
  if (root && TASK_ARG.has(cmd) && position === 1) return done(taskIds(root).filter((id) => id.startsWith(current)));
  if (root && AGENT_ARG.has(cmd) && (cmd !== 'send' || position === 1)) {
    return done(listAgents(root).map((a) => a.name).filter((n) => n.startsWith(current)));
  }
  fallback((_err, list) => done(list ?? []));
}

/** `completion`: prints the script (yargs makes it; bash, or zsh when $SHELL is zsh). */
export const completionCommand: CommandModule = {
  command: 'completion',
  describe: 'print a bash/zsh completion script (commands, options, task IDs, agent names)',
  builder: (y) =>
    y
      .example('$0 completion > ~/.local/share/bash-completion/completions/tmux-orc', 'for every new bash (or: source <(tmux-orc completion) in ~/.bashrc)'),
  handler: () => {
    yargs([]).scriptName('tmux-orc').showCompletionScript();
  },
};
