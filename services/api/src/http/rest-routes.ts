import type { AnyRouter } from '@trpc/server';
import type { OpenAPIObject } from 'trpc-to-openapi';
import type { z } from 'zod';

/**
 * The REST routes, compiled once: which procedure answers a method and path, with its path params, and
 * which methods a path allows (404 vs 405). What trpc-to-openapi's handler worked out per request (it
 * built a fetch Request for an unused abort signal and walked the input schemas to switch coercion on,
 * on every call) is done here at startup; its document generator still writes the OpenAPI document.
 */

export interface RestProcedure {
  /** tRPC path, e.g. `tasks.get`. */
  path: string;
  type: 'query' | 'mutation';
  /** The input comes from the query string (GET, DELETE), else from the JSON body. */
  fromQuery: boolean;
  /** The input schema takes nothing (void): the procedure is called without input. */
  noInput: boolean;
  /** Query keys whose schema is an array: a single `?key=v` still arrives as `[v]`. */
  arrayKeys: ReadonlySet<string>;
}

export type RouteMatch =
  | { kind: 'procedure'; procedure: RestProcedure; pathInput: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string };

interface ProcedureRoute {
  pattern: RegExp;
  procedure: RestProcedure;
}

interface DocumentedRoute {
  method: string;
  pattern: RegExp;
}

interface ProcedureDef {
  type: string;
  inputs: unknown[];
  meta?: { openapi?: { method?: string; path?: string; enabled?: boolean } };
}

type ZodDef = { type: string } & Record<string, unknown>;

const defOf = (schema: unknown): ZodDef | undefined =>
  (schema as { _zod?: { def?: ZodDef } } | undefined)?._zod?.def;

/** The schema under optional/nullable/default/prefault/lazy (and array elements), as trpc-to-openapi unwraps. */
function unwrap(schema: unknown, throughPipes: boolean): unknown {
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(schema);
    if (!def) return schema;
    if (def.type === 'array') schema = def.element;
    else if (['optional', 'nullable', 'default', 'prefault'].includes(def.type)) schema = def.innerType;
    else if (def.type === 'lazy') schema = (def.getter as () => unknown)();
    else if (def.type === 'pipe' && throughPipes)
      schema = defOf(def.out)?.type === 'transform' ? def.in : def.out;
    else return schema;
  }
  return schema;
}

const COERCIBLE = new Set(['number', 'boolean', 'bigint', 'date']);

/**
 * Query strings carry text: numbers, booleans and dates of the input are parsed with coercion. This
 * flips `coerce` in the (shared) input schema once, as trpc-to-openapi did in place on the first request.
 */
function coerceQueryFields(schema: unknown): void {
  const shape = defOf(schema)?.shape as Record<string, unknown> | undefined;
  for (const field of Object.values(shape ?? {})) {
    const inner = unwrap(field, false);
    const def = defOf(inner);
    if (def && COERCIBLE.has(def.type)) def.coerce = true;
    else if (def?.type === 'object') coerceQueryFields(inner);
  }
}

function arrayKeysOf(schema: unknown): Set<string> {
  const shape = defOf(schema)?.shape as Record<string, z.ZodType> | undefined;
  const keys = new Set<string>();
  for (const [key, field] of Object.entries(shape ?? {})) {
    const def = defOf(field);
    const inner = def?.type === 'optional' ? defOf(def.innerType) : def;
    if (inner?.type === 'array') keys.add(key);
  }
  return keys;
}

function pathPattern(template: string, named: boolean): RegExp {
  const source = template
    .replace(/^\/|\/$/g, '')
    .replace(/\{([^}]+)\}/g, (_, key: string) => (named ? `(?<${key}>[^/]+)` : '[^/]+'));
  return new RegExp(`^/${source}/?$`, 'i');
}

function compileProcedures(router: AnyRouter): Map<string, ProcedureRoute[]> {
  const byMethod = new Map<string, ProcedureRoute[]>();
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDef }>;
  for (const [path, procedure] of Object.entries(procedures)) {
    const { type, inputs, meta } = procedure._def;
    const openapi = meta?.openapi;
    if (!openapi?.method || !openapi.path || openapi.enabled === false) continue;
    if (type !== 'query' && type !== 'mutation') continue;
    if (inputs.length > 1) throw new Error(`${path}: REST procedures take one input schema`);
    const method = openapi.method.toUpperCase();
    const fromQuery = method === 'GET' || method === 'DELETE';
    const input = unwrap(inputs[0], true);
    const kind = defOf(input)?.type;
    if (fromQuery && kind === 'object') coerceQueryFields(input);
    const route: ProcedureRoute = {
      pattern: pathPattern(openapi.path, true),
      procedure: {
        path,
        type,
        fromQuery,
        noInput: kind === 'void' || kind === 'undefined' || kind === 'never',
        arrayKeys: fromQuery && kind === 'object' ? arrayKeysOf(input) : new Set(),
      },
    };
    byMethod.set(method, [...(byMethod.get(method) ?? []), route]);
  }
  return byMethod;
}

/** Every documented method and path (hand-written streams included), for 404 vs 405. */
function documentedRoutes(document: OpenAPIObject): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const pattern = pathPattern(path, false);
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      if (item?.[method]) routes.push({ method: method.toUpperCase(), pattern });
    }
  }
  return routes;
}

/** Finds the procedure of a request (first declared wins, trailing slash optional, case-insensitive). */
export function compileRestRoutes(router: AnyRouter, document: OpenAPIObject) {
  const procedures = compileProcedures(router);
  const documented = documentedRoutes(document);
  return (method: string, pathname: string): RouteMatch => {
    for (const route of procedures.get(method) ?? []) {
      const match = route.pattern.exec(pathname);
      if (match) return { kind: 'procedure', procedure: route.procedure, pathInput: { ...match.groups } };
    }
    const allowed = documented.filter((route) => route.pattern.test(pathname)).map((route) => route.method);
    // A documented method without a procedure is a hand-written route served before REST.
    if (allowed.length === 0 || allowed.includes(method)) return { kind: 'not-found' };
    return { kind: 'method-not-allowed', allow: [...new Set(allowed)].join(', ') };
  };
}
