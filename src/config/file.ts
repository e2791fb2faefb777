/**
 * The config file: `tmux-orc.yaml` found walking up from the current directory (as the tree is
 * found), else `$XDG_CONFIG_HOME/tmux-orc/config.yaml`; `$TMUX_ORC_CONFIG` names one explicitly.
 * Read and validated whole: an unknown key or a bad value is refused as `FILE:LINE: key: why`
 * (usage, exit 2), so a typo never passes silently.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { fail } from '../errors.js';
import { nearestKey, SETTING } from './settings.js';
import type { FoundConfig } from './find.js';

/** A value given in the file. */
export interface FileValue {
  /** Canonical, as the setting's schema made it. */
  value: unknown;
  line: number;
}

export interface ConfigFile {
  file: string;
  /** How it was found: `$TMUX_ORC_CONFIG`, walking up, or the XDG place. */
  how: FoundConfig['how'];
  values: Map<string, FileValue>;
}

/** Read and validate the config file; throws OrcError('usage') with `FILE:LINE: key: why`. */
export function readConfigFile(file: string, how: FoundConfig['how']): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fail('failed', `cannot read the config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  const bad = (offset: number | undefined, what: string) => fail('usage', `${file}:${lineOf(offset)}: ${what}${what.includes('tmux-orc config') ? '' : ' (see tmux-orc config --help)'}`);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw bad(e.pos[0], e.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, ''));
  }
  const values = new Map<string, FileValue>();
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { file, how, values };
  if (!isMap(doc.contents)) throw bad(doc.contents.range?.[0], 'the file must be a map of settings (key: value lines)');
  for (const pair of doc.contents.items) {
    const k = pair.key;
    const offset = isScalar(k) ? k.range?.[0] : undefined;
    const key = isScalar(k) ? String(k.value) : '?';
    const setting = SETTING.get(key);
    if (!setting) {
      const near = nearestKey(key);
      throw bad(offset, `${key}: unknown setting${near ? ` (did you mean ${near}?)` : ''}; tmux-orc config lists them`);
    }
    const v = pair.value;
    if (!isScalar(v) || v.value === null) throw bad(offset, `${key}: ${isScalar(v) || !v ? 'no value' : 'must be a single value, not a list or map'}`);
    const r = setting.schema.safeParse(v.value);
    if (!r.success) throw bad(offset, `${key}: ${withValue(r.error.issues[0].message, v.value)}`);
    let value = r.data;
    if (setting.path && typeof value === 'string' && value !== '') value = path.resolve(path.dirname(file), value.replace(/^~(?=\/|$)/, os.homedir()));
    values.set(key, { value, line: lineOf(offset) });
  }
  return { file, how, values };
}

/** A schema's message with the value it refused, unless it names it already. */
export function withValue(message: string, raw: unknown): string {
  return message.includes(JSON.stringify(String(raw))) ? message : `${message}, got ${JSON.stringify(raw)}`;
}
