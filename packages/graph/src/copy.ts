/**
 * A fresh copy of a node for one step: same prototype, own fields copied one level deep (like
 * KayGraph's copy.copy). `structuredClone` would drop the prototype of class instances. Fields
 * assigned during a step land on the copy, so concurrent runs never see each other's node state;
 * objects mutated in place (an array field pushed to) are still shared, as in KayGraph.
 *
 * Fields are plain data (class fields, constructor assignments): those are copied with `Object.assign`.
 * A node with any other own property (an accessor, a read-only or hidden one, or a field shadowing
 * something of its prototype) is copied descriptor by descriptor, which keeps them as they are but costs
 * about 20 times as much (V8 builds such objects property by property): 13 us a step, most of a no-op
 * task's time in the graph.
 */
export function copyNode<T extends object>(node: T): T {
  const prototype = Object.getPrototypeOf(node) as object | null;
  for (const key of Reflect.ownKeys(node)) {
    // A field named like something of the prototype chain (a field shadowing a getter) must be defined,
    // not assigned: assigning would call the accessor.
    if (
      (prototype !== null && key in prototype) ||
      !isPlainField(Object.getOwnPropertyDescriptor(node, key))
    ) {
      return Object.create(prototype, Object.getOwnPropertyDescriptors(node));
    }
  }
  return Object.assign(Object.create(prototype) as T, node);
}

function isPlainField(descriptor: PropertyDescriptor | undefined): boolean {
  return (
    descriptor !== undefined &&
    'value' in descriptor &&
    descriptor.writable === true &&
    descriptor.enumerable === true &&
    descriptor.configurable === true
  );
}
