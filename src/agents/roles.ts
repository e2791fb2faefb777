/** Role order: who is started and briefed first (orchestrator, then PMs, then engineers, then the rest). */

const RANK: Record<string, number> = { orchestrator: 0, pm: 1, manager: 1, engineer: 2, dev: 2, developer: 2, qa: 3 };

/** Sort key of a role; unknown roles come last. */
const roleRank = (role: string): number => RANK[role] ?? 4;

/** A stable copy sorted by role order. */
export function byRole<T extends { role: string }>(items: readonly T[]): T[] {
  return items.map((x, i) => ({ x, i })).sort((a, b) => roleRank(a.x.role) - roleRank(b.x.role) || a.i - b.i).map(({ x }) => x);
}
