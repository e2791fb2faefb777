/**
 * The fast path: `tasks-enqueue`, `tasks-list` and `--version` without loading yargs, whose import
 * and help building alone cost 100-200 ms here; an enqueue is what scripts, cron jobs and agents
 * run most, and a listing is what people and agents poll. The enqueue options come from the same
 * table yargs uses (ENQUEUE_OPTIONS), parsed with Node's own util.parseArgs. Anything the fast
 * path is unsure of (help, a parse error, a bad number or state) returns undefined, and the full
 * CLI handles it with its usual messages.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VERSION } from '../version.js';
import { ENQUEUE_OPTIONS, runEnqueue, type EnqueueCommandArgs } from './commands/tasks/enqueue.js';

type Options = NonNullable<ParseArgsConfig['options']>;

function parseArgsOptions(): Options {
  const out: Options = { root: { type: 'string' } };
  for (const [name, o] of Object.entries(ENQUEUE_OPTIONS)) {
    const alias = 'alias' in o ? o.alias : undefined;
    out[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', multiple: 'array' in o, ...(alias ? { short: alias } : {}) };
  }
  return out;
}

/** Run argv on the fast path; undefined when the full CLI must handle it. */
export async function fastPath(argv: string[]): Promise<number | undefined> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (argv[0] === 'tasks-list') return fastList(argv.slice(1));
  if (argv[0] !== 'tasks-enqueue') return undefined;
  const dashdash = argv.indexOf('--');
  const before = dashdash < 0 ? argv.slice(1) : argv.slice(1, dashdash);
  if (before.some((a) => a === '-h' || a === '--help')) return undefined;
  let parsed;
  try {
    parsed = parseArgs({ args: before, options: parseArgsOptions(), allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  const v = parsed.values as Record<string, unknown>;
  const num = (k: string) => (v[k] === undefined ? undefined : Number(v[k]));
  for (const k of ['priority', 'retries']) if (v[k] !== undefined && (String(v[k]).trim() === '' || Number.isNaN(num(k)))) return undefined;
  const args = { ...v, priority: num('priority'), retries: num('retries') } as EnqueueCommandArgs;
  const words = [...parsed.positionals, ...(dashdash < 0 ? [] : argv.slice(dashdash + 1))];
  return runEnqueue(args, words);
}

/** `tasks-list [state] [--json] [--root R]`; the list command is loaded only when it runs. */
async function fastList(args: string[]): Promise<number | undefined> {
  // After `--` yargs keeps words out of the positionals; let it decide what that means.
  if (args.includes('--')) return undefined;
  let parsed;
  try {
    parsed = parseArgs({ args, options: { root: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  const { LIST_STATES, runList } = await import('./commands/tasks/list.js');
  const [state = 'all', ...extra] = parsed.positionals;
  const known = LIST_STATES.find((s) => s === state);
  if (!known || extra.length) return undefined;
  return runList({ root: parsed.values.root, json: parsed.values.json, state: known });
}
