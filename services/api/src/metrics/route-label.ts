import { REST_PATHS } from '@kaygraph/contracts';
import { pathPattern } from '../http/path-pattern.ts';
import { HAND_WRITTEN_PATHS } from '../openapi-hand-written.ts';
import { REST_OPERATIONS } from '../rest-operations.ts';
import { appRouter } from '../router.ts';

/** What a request to a path the api does not serve counts as: scanners cannot add series. */
export const UNMATCHED_ROUTE = '(unmatched)';
const UNKNOWN_PROCEDURE = `${REST_PATHS.trpc}/(unknown)`;
const BATCH = `${REST_PATHS.trpc}/(batch)`;

interface Template {
  template: string;
  pattern: RegExp;
}

/** Procedure paths (`tasks.get`) of a tRPC router, from the record its type exposes (`appRouter.tasks.get`). */
function procedurePaths(record: object, prefix = ''): string[] {
  return Object.entries(record).flatMap(([key, value]: [string, unknown]) => {
    if (key === '_def' || key === 'createCaller') return [];
    if (typeof value === 'function') return [`${prefix}${key}`];
    return typeof value === 'object' && value !== null ? procedurePaths(value, `${prefix}${key}.`) : [];
  });
}

/**
 * The `route` label of a request: the OpenAPI template of the operation it reached (`/tasks/{task_id}`),
 * a known tRPC procedure, `/dashboard/*` or `/docs`; anything else is `(unmatched)`. Labels come only from
 * the api's own route table, so their number is fixed however many distinct paths clients send.
 */
export function compileRouteLabel(opts: { templates: readonly string[]; procedures: readonly string[] }) {
  // Literal paths before templated ones, so `/tasks/cancel-queued` is not `/tasks/{task_id}`.
  const templates = [...new Set(opts.templates)]
    .sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
    .map((template): Template => ({ template, pattern: pathPattern(template, false) }));
  const procedures = new Set(opts.procedures);
  return (path: string): string => {
    if (path === REST_PATHS.dashboard || path.startsWith(`${REST_PATHS.dashboard}/`))
      return `${REST_PATHS.dashboard}/*`;
    if (path === REST_PATHS.docs || path.startsWith(`${REST_PATHS.docs}/`)) return REST_PATHS.docs;
    if (path.startsWith(`${REST_PATHS.trpc}/`)) {
      const called = path.slice(REST_PATHS.trpc.length + 1);
      if (called.includes(',')) return BATCH;
      return procedures.has(called) ? `${REST_PATHS.trpc}/${called}` : UNKNOWN_PROCEDURE;
    }
    return templates.find(({ pattern }) => pattern.test(path))?.template ?? UNMATCHED_ROUTE;
  };
}

/** This api's route label: its REST operations, hand-written routes, fixed paths and tRPC procedures. */
export const apiRouteLabel = compileRouteLabel({
  templates: [
    ...Object.values(REST_PATHS),
    ...[...REST_OPERATIONS.values()].map((meta) => meta.openapi.path),
    ...Object.keys(HAND_WRITTEN_PATHS),
  ],
  procedures: procedurePaths(appRouter),
});
