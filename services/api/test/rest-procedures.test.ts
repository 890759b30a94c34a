import { expect, test } from 'vitest';
import { REST_OPERATIONS } from '../src/rest-operations.ts';
import { appRouter } from '../src/router.ts';

/**
 * REST operations name their procedure by a path string (`tasks.submit`) that the REST adapter walks on a
 * caller; a procedure renamed in its router but not in its `rest.op(...)` would answer every request on
 * that route with an error. The router's own record (what `router({...})` returns: each key a procedure,
 * which is callable, or a nested record) is walked here the same way.
 */
function procedureAt(record: object, path: string): unknown {
  let node: unknown = record;
  for (const segment of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function missingProcedures(paths: Iterable<string>): string[] {
  return [...paths].filter((path) => typeof procedureAt(appRouter, path) !== 'function');
}

test('every REST operation names a procedure of the router', () => {
  expect(REST_OPERATIONS.size).toBeGreaterThan(0);
  expect(missingProcedures(REST_OPERATIONS.keys())).toEqual([]);
});

test('a path that names no procedure is reported: a misspelling, a router, a prototype key', () => {
  const [first] = REST_OPERATIONS.keys();
  expect(first).toBeDefined();
  const wrong = [`${first}x`, 'tasks', 'tasks.toString', 'nothing.here'];
  expect(missingProcedures(wrong)).toEqual(wrong);
});
