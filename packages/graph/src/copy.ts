/**
 * A fresh copy of a node for one step: same prototype, own fields copied one level deep (like
 * KayGraph's copy.copy). `structuredClone` would drop the prototype of class instances. Fields
 * assigned during a step land on the copy, so concurrent runs never see each other's node state;
 * objects mutated in place (an array field pushed to) are still shared, as in KayGraph.
 */
export function copyNode<T extends object>(node: T): T {
  return Object.create(Object.getPrototypeOf(node), Object.getOwnPropertyDescriptors(node));
}
