import { GraphError } from './errors.ts';

/**
 * What an edge or a graph's start must be: a node (checked by shape, so a node of another copy of
 * this package passes). Caught where the graph is built, not as a TypeError deep in a run.
 */
export function assertEdgeTarget(value: unknown, where: () => string): void {
  if (isNodeLike(value)) return;
  throw new GraphError(`${where()} must be a Node; got ${describe(value)}`);
}

function isNodeLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const node = value as Record<string, unknown>;
  return (
    node.successors instanceof Map &&
    typeof node.prep === 'function' &&
    typeof node.exec === 'function' &&
    typeof node.post === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'}): pass an instance`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return `a ${typeof value}`;
}
