/**
 * The fast path: `tasks-enqueue`, `tasks-list`, `worker` and `--version` without loading yargs and
 * every other command. yargs' import and help building alone cost 100-200 ms here; an enqueue is
 * what scripts, cron jobs and agents run most, a listing is what people and agents poll, and a
 * worker is a long-lived process in which the full CLI's code would stay for nothing (about 13 MB
 * of its resident set). The options come from the same tables yargs uses (ENQUEUE_OPTIONS,
 * WORKER_OPTIONS), parsed with Node's own util.parseArgs. Anything the fast path is unsure of
 * (help, a parse error, a bad number or state) returns undefined, and the full CLI handles it
 * with its usual messages.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VERSION } from '../version.js';
import { writeOut } from './output.js';
import { splitCommandLine } from './split.js';
import type { EnqueueCommandArgs } from './commands/tasks/enqueue.js';
import type { WorkerCommandArgs } from './commands/tasks/worker.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Table = Record<string, { type: string; alias?: string; array?: boolean }>;

function parseArgsOptions(table: Table): Options {
  const out: Options = { root: { type: 'string' }, backend: { type: 'string' } };
  for (const [name, o] of Object.entries(table)) {
    out[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', multiple: !!o.array, ...(o.alias ? { short: o.alias } : {}) };
  }
  return out;
}

/** Parse `args` strictly against `table`; undefined on help or any parse error. */
function parse(args: string[], table: Table) {
  if (args.some((a) => a === '-h' || a === '--help')) return undefined;
  try {
    return parseArgs({ args, options: parseArgsOptions(table), allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
}

/** Run argv on the fast path; undefined when the full CLI must handle it. */
export async function fastPath(argv: string[]): Promise<number | undefined> {
  if (process.env.TMUX_ORC_CHECK_ARGS === '1') return undefined; // the full CLI checks, runs nothing
  if (argv.length === 1 && argv[0] === '--version') {
    writeOut(`${VERSION}\n`);
    return 0;
  }
  if (argv[0] === 'tasks-enqueue') return enqueue(argv.slice(1));
  if (argv[0] === 'tasks-list') return list(argv.slice(1));
  if (argv[0] === 'worker') return worker(argv.slice(1));
  return undefined;
}

// Each command's module is evaluated only when it runs (in the CommonJS build, esbuild turns these
// imports into lazy initialisers): a worker does not set up the enqueue code, nor an enqueue the
// worker loop.

async function enqueue(args: string[]): Promise<number | undefined> {
  const { ENQUEUE_OPTIONS, runEnqueue } = await import('./commands/tasks/enqueue.js');
  // Our options end where the command begins (src/cli/split.ts, the same split yargs is given).
  const { ours, words } = splitCommandLine(args, ENQUEUE_OPTIONS);
  const parsed = parse(ours, ENQUEUE_OPTIONS);
  if (!parsed || parsed.positionals.length) return undefined;
  const v = parsed.values as Record<string, unknown>;
  const num = (k: string) => (v[k] === undefined ? undefined : Number(v[k]));
  for (const k of ['priority', 'retries']) if (v[k] !== undefined && (String(v[k]).trim() === '' || Number.isNaN(num(k)))) return undefined;
  // Option names as yargs gives them too: after-any → afterAny.
  const camel = Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()), x]));
  const a = { ...camel, priority: num('priority'), retries: num('retries') } as EnqueueCommandArgs;
  return runEnqueue(a, words);
}

async function worker(args: string[]): Promise<number | undefined> {
  const { WORKER_OPTIONS, runWorkerCommand } = await import('./commands/tasks/worker.js');
  const parsed = parse(args, WORKER_OPTIONS);
  if (!parsed || parsed.positionals.length) return undefined;
  const { 'until-empty': untilEmpty, 'log-format': logFormat, ...v } = parsed.values as WorkerCommandArgs & { 'until-empty'?: boolean; 'log-format'?: string };
  await runWorkerCommand({ ...v, untilEmpty, logFormat });
  return Number(process.exitCode ?? 0);
}

/** `tasks-list [state] [--json] [--root R]`. */
async function list(args: string[]): Promise<number | undefined> {
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
