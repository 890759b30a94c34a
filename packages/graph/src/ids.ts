import { GraphError } from './errors.ts';
import { ASSIGNED_ID, EXPLICIT_ID, INNER_START } from './internal.ts';
import type { Action } from './types.ts';

/** The slice of a node that id bookkeeping needs (kept structural to avoid an import cycle). */
export interface IdentifiedNode {
  readonly id: string;
  readonly successors: ReadonlyMap<Action, IdentifiedNode>;
  readonly [INNER_START]: IdentifiedNode | undefined;
  [EXPLICIT_ID]: string | undefined;
  [ASSIGNED_ID]: string | undefined;
}

/** The nodes of one graph level: the start and everything its edges reach, in edge order. */
export function nodesOfLevel(start: IdentifiedNode): IdentifiedNode[] {
  if (start.successors.size === 0) return [start];
  const seen = new Set<IdentifiedNode>([start]);
  const queue = [start];
  for (let index = 0; index < queue.length; index++) {
    for (const next of queue[index]?.successors.values() ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return queue;
}

/** The root and every node beneath it, nested graphs included, in a deterministic order. */
function nodesOfTree(root: IdentifiedNode, into: IdentifiedNode[] = [], seen = new Set<IdentifiedNode>()) {
  if (seen.has(root)) return into;
  seen.add(root);
  into.push(root);
  const start = root[INNER_START];
  if (start) for (const node of nodesOfLevel(start)) nodesOfTree(node, into, seen);
  return into;
}

const fixedId = (node: IdentifiedNode) => node[EXPLICIT_ID] ?? node[ASSIGNED_ID];

/**
 * Gives every node without an id `ClassName` + counter, numbered in traversal order from the root
 * being run (edges in insertion order, nested graphs depth-first). It follows the graph's shape,
 * not construction order in the process, so a graph built the same way in another worker gets the
 * same ids: that is what lets a checkpoint name the node to resume from. Then every level is checked for
 * duplicates (assertUniqueIds), over the same walk of the tree.
 */
export function settleIds(root: IdentifiedNode): void {
  const nodes = nodesOfTree(root);
  assignIds(nodes);
  assertUniqueLevels(nodes, false);
}

function assignIds(nodes: readonly IdentifiedNode[]): void {
  const taken = new Set(nodes.map(fixedId).filter((id) => id !== undefined));
  const counters = new Map<string, number>();
  for (const node of nodes) {
    if (fixedId(node) !== undefined) continue;
    const className = node.constructor.name || 'Node';
    let candidate: string;
    do {
      const counter = (counters.get(className) ?? 0) + 1;
      counters.set(className, counter);
      candidate = `${className}${counter}`;
    } while (taken.has(candidate));
    taken.add(candidate);
    node[ASSIGNED_ID] = candidate;
  }
}

/**
 * Checkpoints name nodes by id, so two different nodes of one graph level must never share one.
 * `fixedOnly` checks just the ids already settled (a graph under construction).
 */
export function assertUniqueIds(root: IdentifiedNode, fixedOnly = false): void {
  assertUniqueLevels(nodesOfTree(root), fixedOnly);
}

function assertUniqueLevels(nodes: readonly IdentifiedNode[], fixedOnly: boolean): void {
  for (const node of nodes) {
    const start = node[INNER_START];
    // A level of one node (a start with no edges) has nothing to compare.
    if (!start || start.successors.size === 0) continue;
    const byId = new Map<string, IdentifiedNode>();
    for (const member of nodesOfLevel(start)) {
      if (fixedOnly && fixedId(member) === undefined) continue;
      const other = byId.get(member.id);
      if (other && other !== member) {
        throw new GraphError(
          `Two nodes of graph "${node.id}" share the id "${member.id}"; give one of them an explicit { id }`,
        );
      }
      byId.set(member.id, member);
    }
  }
}
