/**
 * Concurrency recorders for the group and lock tests (issue 18): a task command that counts how
 * many of its kind run at once in a flock(1)-protected counter file, and the readings.
 */
import path from 'node:path';
import { lines } from '../faults/harness.ts';

/**
 * A command that, under `flock <dir>/c.lock`, adds one to `<dir>/count` and appends
 * `<n> <phase> $TASK_ID` to `<dir>/seen` (n: how many of its kind run now, itself included; phase:
 * the contents of `<dir>/phase` then), runs `body`, then takes its one away again (also when
 * killed by a signal other than SIGKILL).
 */
export function counted(dir: string, body: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const inc = `n=$(( $(cat ${q(`${dir}/count`)} 2>/dev/null || echo 0) + 1 )); echo $n > ${q(`${dir}/count`)}; echo "$n $(cat ${q(`${dir}/phase`)} 2>/dev/null || echo -) \${TASK_ID:-shell}" >> ${q(`${dir}/seen`)}`;
  const dec = `echo $(( $(cat ${q(`${dir}/count`)}) - 1 )) > ${q(`${dir}/count`)}`;
  const lock = q(`${dir}/c.lock`);
  return `flock ${lock} bash -c ${q(inc)}; trap ${q(`flock ${lock} bash -c ${q(dec)}`)} EXIT; ${body}`;
}

export interface Seen {
  n: number;
  phase: string;
  id: string;
}

/** What the counted runs recorded, in order. */
export const seen = (dir: string): Seen[] =>
  lines(path.join(dir, 'seen')).map((l) => {
    const [n, phase, id] = l.split(' ');
    return { n: Number(n), phase, id };
  });

export const most = (s: Seen[]) => s.reduce((m, x) => Math.max(m, x.n), 0);
