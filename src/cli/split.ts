/**
 * Where our options end and the command begins, for every command that takes a command line
 * (`tasks-enqueue`, `run-*`, `send`): as tsp, nq, env and sudo do, the first word that is not one
 * of our options starts the command, and from there on the argv is left untouched; `--` is
 * accepted and never required. Pure, so it is unit-tested with tables.
 */

/** An option as the command tables declare it (the same tables build yargs' parser and help). */
export interface OptionSpec {
  type: string;
  alias?: string;
  array?: boolean;
}
export type OptionTable = Record<string, OptionSpec>;

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionTable = {
  root: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', alias: 'h' },
};

/** Our words, normalised (`--name=value`, then `--`), and the command's words, as typed. */
export interface Split {
  ours: string[];
  words: string[];
}

/**
 * Split `args` (what follows the command name). `positionals` leading words are ours too
 * (`run-one IDX`, `send TARGET`). Every value is joined as `--name=value`, so a later parser
 * never takes a value such as `-5s` for options of its own. A word that starts with `-` before
 * the command is ours even when unknown: the parser refuses it with one line, as env does.
 */
export function splitCommandLine(args: string[], table: OptionTable, positionals = 0): Split {
  const all = { ...GLOBAL_OPTIONS, ...table };
  const byShort = new Map(Object.entries(all).flatMap(([name, o]) => (o.alias ? [[o.alias, name] as const] : [])));
  const ours: string[] = [];
  let left = positionals;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return { ours, words: args.slice(i + 1) };
    if (a.length < 2 || !a.startsWith('-')) {
      if (left > 0) {
        ours.push(a);
        left--;
        continue;
      }
      return { ours, words: args.slice(i) };
    }
    const long = a.startsWith('--');
    const eq = long ? a.indexOf('=') : -1;
    const key = long ? a.slice(2, eq < 0 ? undefined : eq) : a[1];
    const name = long ? key : byShort.get(key);
    const spec = name === undefined ? undefined : all[name];
    if (!spec || name === undefined) {
      ours.push(a); // unknown: the parser says so
      continue;
    }
    if (spec.type === 'boolean') {
      ours.push(long ? a : `--${name}`);
      if (!long && a.length > 2) ours.push(...a.slice(2).split('').map((c) => `-${c}`)); // -wf: each its own flag
      continue;
    }
    let value: string | undefined;
    if (long && eq >= 0) value = a.slice(eq + 1);
    else if (!long && a.length > 2) value = a.slice(2);
    else if (i + 1 < args.length) value = args[++i];
    ours.push(value === undefined ? `--${name}` : `--${name}=${value}`);
  }
  return { ours, words: [] };
}

/**
 * Global options typed before the command name (`tmux-orc --root R tasks-enqueue ls -la`) moved
 * after it, so that the command name comes first and its own split applies. Anything else is
 * returned as it is.
 */
export function commandFirst(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    if ((argv[i] === '--root' || argv[i] === '--backend') && i + 1 < argv.length) i += 2;
    else if (argv[i].startsWith('--root=') || argv[i].startsWith('--backend=')) i += 1;
    else break;
  }
  if (i === 0 || i >= argv.length || argv[i].startsWith('-')) return argv;
  return [argv[i], ...argv.slice(0, i), ...argv.slice(i + 1)];
}

/** `args` rewritten as `ours -- words`: what yargs (with populate--) reads without touching the words. */
export function normalise(args: string[], table: OptionTable, positionals = 0): string[] {
  const { ours, words } = splitCommandLine(args, table, positionals);
  return words.length ? [...ours, '--', ...words] : ours;
}
