/** Task IDs given on the command line, checked before anything is done (exit 2 for a bad one). */
import { idProblem } from '../../../queue/task.js';
import { fail } from '../../../errors.js';

export function checkIds(ids: unknown[]): string[] {
  const out = ids.map(String);
  for (const id of out) {
    const bad = idProblem(id);
    if (bad) throw fail('usage', bad);
  }
  return out;
}
