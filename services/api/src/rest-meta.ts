import type { ProcedureMeta } from './trpc.ts';

/** A procedure's metadata with the OpenAPI operation REST serves it on. */
export type RestMeta = ProcedureMeta & { openapi: NonNullable<ProcedureMeta['openapi']> };

/**
 * Whether REST reads a JSON body for this method (POST, PATCH, PUT; an empty one counts as `{}`), which it
 * can refuse as malformed (400) or too large (413). GET and DELETE take their input from the query string.
 */
export function readsJsonBody(method: string): boolean {
  const upper = method.toUpperCase();
  return upper !== 'GET' && upper !== 'DELETE' && upper !== 'HEAD';
}

/**
 * Collects the REST operations of one router as its procedures declare them: `.meta(rest.op('submit',
 * {...}))` returns the metadata for `.meta()` and files it under the procedure's path (`tasks.submit`).
 * rest-operations.ts joins every router's table; the REST adapter and the OpenAPI document read that
 * table, never tRPC's internals.
 */
export function restOperations(prefix: string) {
  const table = new Map<string, RestMeta>();
  return {
    op<M extends RestMeta>(name: string, meta: M): M {
      table.set(prefix ? `${prefix}.${name}` : name, meta);
      return meta;
    },
    table: table as ReadonlyMap<string, RestMeta>,
  };
}
