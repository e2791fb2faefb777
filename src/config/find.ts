/**
 * Where the config file is (no YAML parser here: the CLI entry looks on every run and loads the
 * reader only when there is a file): `$TMUX_ORC_CONFIG`, else `tmux-orc.yaml` walking up from the
 * current directory, else `$XDG_CONFIG_HOME/tmux-orc/config.yaml`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fail } from '../errors.js';

export const FILE_NAME = 'tmux-orc.yaml';

export interface FoundConfig {
  file: string;
  /** How it was found: `$TMUX_ORC_CONFIG`, walking up, or the XDG place. */
  how: 'env' | 'ancestor' | 'xdg';
}

/** Where the config file is, or undefined when there is none. */
export function findConfigFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): FoundConfig | undefined {
  if (env.TMUX_ORC_CONFIG) {
    const file = path.resolve(cwd, env.TMUX_ORC_CONFIG);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw fail('not-found', `TMUX_ORC_CONFIG names ${file}, which is not a file`);
    return { file, how: 'env' };
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, FILE_NAME);
    if (isFile(file)) return { file, how: 'ancestor' };
    if (dir === path.dirname(dir)) break;
  }
  const xdg = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  const file = path.join(xdg, 'tmux-orc', 'config.yaml');
  if (isFile(file)) return { file, how: 'xdg' };
  return undefined;
}

/** A file there; a place we may not look into (another user's HOME) holds none for us. */
function isFile(file: string): boolean {
  try {
    return !!fs.statSync(file, { throwIfNoEntry: false })?.isFile();
  } catch {
    return false;
  }
}

