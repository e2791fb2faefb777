/** Which programs run the tasks: perl (the launcher) and bash, found once on the worker's PATH. */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';

export interface LauncherChoice {
  perl: string;
  bash: string;
}

/**
 * Find perl and bash, or say why the worker cannot run. TMUX_ORC_LAUNCHER may only name `perl`:
 * the Node launcher of earlier versions could not hold a claim under a kernel lock, so it is gone.
 */
export function chooseLauncher(env: NodeJS.ProcessEnv, exists: (file: string) => boolean = isExecutable): LauncherChoice {
  const wanted = env.TMUX_ORC_LAUNCHER;
  if (wanted !== undefined && wanted !== '' && wanted !== 'perl') {
    throw fail('usage', `TMUX_ORC_LAUNCHER=${wanted}: the only launcher is perl (unset it)`);
  }
  const perl = which('perl', env.PATH, exists);
  if (!perl) throw fail('failed', 'perl is not on PATH: the worker needs it to hold and run tasks (install perl-base, e.g. apt-get install perl-base)');
  const bash = which('bash', env.PATH, exists);
  if (!bash) throw fail('failed', 'bash is not on PATH: tasks run with bash -c (install bash)');
  return { perl, bash };
}

function which(bin: string, pathVar: string | undefined, exists: (file: string) => boolean): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.resolve(dir, bin);
    if (exists(file)) return file;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
