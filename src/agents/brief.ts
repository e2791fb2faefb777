/**
 * Briefings: the text an agent is given once it is ready. `--brief` takes a file or the text itself;
 * `{{placeholders}}` are filled in so one template serves every agent of a role.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';

/** The values a briefing template can use, as `{{name}}`. */
export interface BriefVars {
  name: string;
  role: string;
  session: string;
  cwd: string;
  root: string;
  reports_to: string;
  /** One line per agent of the team: `name (role)`. */
  team: string;
}

/**
 * The briefing text: the file's content when `brief` names an existing file (relative to `baseDir`),
 * else `brief` itself. A value that looks like a file path but does not exist is refused, so a typo
 * in a path is not sent to an agent as its briefing.
 */
export function readBrief(brief: string | undefined, baseDir: string): string {
  if (brief === undefined || brief === '') return '';
  const file = path.resolve(baseDir, brief);
  const looksLikePath = !/\s/.test(brief) && /\.(md|txt)$|\//.test(brief);
  try {
    if (fs.statSync(file).isFile()) return fs.readFileSync(file, 'utf8');
  } catch {
    if (looksLikePath) throw fail('not-found', `briefing file not found: ${file}`);
  }
  return brief;
}

/** Fill `{{key}}` placeholders; unknown ones are left as written. */
export function renderBrief(text: string, vars: BriefVars): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, key: string) => (key in vars ? vars[key as keyof BriefVars] : whole));
}

/** `~/x` → `$HOME/x`: specs and briefings are shared between machines. */
export const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? path.join(process.env.HOME ?? '', p.slice(1)) : p);
