/**
 * Precedence: default < config file < environment < flag (`--set KEY=VALUE`). Every command sees
 * the result through the environment variables the code already reads: `applyConfig` (run once
 * by the CLI entry, src/cli.ts) puts each file value into its variable unless the user set that
 * variable, and each flag value in any case. What it put there is recorded in
 * `TMUX_ORC_FROM_FILE` (variable → value), so a child process (a tmux server started by `init`,
 * a worker in a pane) does not mistake an inherited file value for one the user set, and an
 * edited file wins again.
 */
import { fail } from '../errors.js';
import { findConfigFile } from './find.js';
import { readConfigFile, withValue, type ConfigFile } from './file.js';
import { SETTING, SETTINGS, type Setting } from './settings.js';

export const FROM_FILE = 'TMUX_ORC_FROM_FILE';

/** One setting as resolved. */
export interface Resolved {
  key: string;
  env: string;
  /** Canonical value (sizes in bytes, durations in ms, numbers as numbers). */
  value: unknown;
  /** `default`, `FILE:LINE`, `env` or `flag`. */
  source: string;
  describe: string;
  note?: string;
}

export interface ResolveInput {
  /** The environment as the user gave it (before applyConfig). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** `--set KEY=VALUE` values. */
  flags?: string[];
  /** The file already read, or null for none; undefined: find and read it. */
  file?: ConfigFile | null;
}

/** Which variables of `env` hold a file value put there by applyConfig (not the user's). */
function inherited(env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    const m = JSON.parse(env[FROM_FILE] ?? '{}') as Record<string, string>;
    return Object.fromEntries(Object.entries(m).filter(([k, v]) => env[k] === v));
  } catch {
    return {};
  }
}

/** `KEY=VALUE` flags, validated: OrcError('usage') naming the flag. */
export function parseFlags(flags: string[] = []): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const f of flags) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const s = SETTING.get(key);
    if (!s || eq < 0) throw fail('usage', `--set ${f}: ${s ? 'give KEY=VALUE' : `unknown setting ${JSON.stringify(key)}`} (tmux-orc config lists them)`);
    out.set(key, check(s, f.slice(eq + 1), `--set ${key}`));
  }
  return out;
}

function check(s: Setting, raw: unknown, where: string): unknown {
  const r = s.schema.safeParse(raw);
  if (!r.success) throw fail('usage', `${where}: ${withValue(r.error.issues[0].message, raw)}`);
  return r.data;
}

/** Every setting with its value and where it came from. Throws OrcError('usage') for a bad file, variable or flag. */
export function resolveSettings(input: ResolveInput): { file?: ConfigFile; settings: Resolved[] } {
  const env = input.env;
  let file = input.file ?? undefined;
  if (input.file === undefined) {
    const found = findConfigFile(env, input.cwd);
    file = found && readConfigFile(found.file, found.how);
  }
  const flags = parseFlags(input.flags);
  const fromFile = inherited(env);
  const settings = SETTINGS.map((s): Resolved => {
    const base = { key: s.key, env: s.env, describe: s.describe, ...(s.note ? { note: s.note } : {}) };
    if (flags.has(s.key)) return { ...base, value: flags.get(s.key), source: 'flag' };
    const e = env[s.env];
    if (e !== undefined && e !== '' && !(s.env in fromFile)) return { ...base, value: check(s, e, s.env), source: 'env' };
    const f = file?.values.get(s.key);
    if (f) return { ...base, value: f.value, source: `${file!.file}:${f.line}` };
    return { ...base, value: check(s, s.default, 'default'), source: 'default' };
  });
  return { file, settings };
}

/** The environment string a canonical value becomes. */
function envString(s: Setting, v: unknown): string {
  if (s.toEnv) return s.toEnv(v);
  if (s.key === 'rescan') return `${v as number}ms`;
  return String(v);
}

/**
 * Put the file's and the flags' values into `env` (process.env by default), where every reader
 * finds them. Only the file and flags are read here; environment values are the readers' to check.
 */
export function applyConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), flags: string[] = []): ConfigFile | undefined {
  appliedFlags = flags;
  const found = findConfigFile(env, cwd);
  const file = found && readConfigFile(found.file, found.how);
  const given = parseFlags(flags);
  const old = inherited(env);
  const record: Record<string, string> = {};
  for (const s of SETTINGS) {
    const f = file?.values.get(s.key);
    let value: string | undefined;
    if (given.has(s.key)) value = envString(s, given.get(s.key));
    else if (f && (env[s.env] === undefined || env[s.env] === '' || s.env in old)) value = envString(s, f.value);
    else if (s.env in old) delete env[s.env]; // a file value inherited from a parent, no longer in the file
    if (value === undefined) continue;
    env[s.env] = value;
    if (!given.has(s.key)) record[s.env] = value;
  }
  if (Object.keys(record).length) env[FROM_FILE] = JSON.stringify(record);
  else delete env[FROM_FILE];
  return file;
}

let appliedFlags: string[] = [];
/** The `--set` flags applyConfig was given in this process (`tmux-orc config` shows them as flags). */
export const globalFlags = (): string[] => appliedFlags;

/** The environment as the user gave it: applyConfig's own values taken out. */
export function userEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(inherited(env))) delete out[k];
  delete out[FROM_FILE];
  return out;
}
