import type { Action } from './types.ts';

interface Linked {
  readonly successors: ReadonlyMap<Action, Linked>;
}

/**
 * Estimates the steps left from a node: the longest path (in nodes) over all edges, ignoring edges
 * back into the current path so loops count once. Only an estimate for progress; memoized per run
 * of a graph level.
 */
export function longestPathEstimator(): (from: Linked) => number {
  const memo = new Map<Linked, number>();
  const onPath = new Set<Linked>();
  const longest = (node: Linked): number => {
    const known = memo.get(node);
    if (known !== undefined) return known;
    onPath.add(node);
    let rest = 0;
    for (const next of node.successors.values()) {
      if (!onPath.has(next)) rest = Math.max(rest, longest(next));
    }
    onPath.delete(node);
    memo.set(node, rest + 1);
    return rest + 1;
  };
  return longest;
}
