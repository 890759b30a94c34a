import type { OpenAPIObject } from 'trpc-to-openapi';
import { type RestMeta, readsJsonBody } from '../rest-meta.ts';
import { pathPattern } from './path-pattern.ts';
import type { DeclaredQuery, QueryKind } from './query-string.ts';
import { compileRestInput, type RestInput } from './rest-input.ts';

type Operation = NonNullable<NonNullable<NonNullable<OpenAPIObject['paths']>[string]>['get']>;
type ParameterOrReference = NonNullable<Operation['parameters']>[number];
type ParameterObject = Exclude<ParameterOrReference, { $ref: string }>;
type SchemaOrReference = NonNullable<ParameterObject['schema']>;
type SchemaObject = Exclude<SchemaOrReference, { $ref: string }>;
type ReferenceObject = { $ref: string };

/**
 * The REST routes, compiled once from the REST operation table (procedure path and metadata) and the
 * OpenAPI document (what each query parameter is): which procedure answers a method and path, with its
 * path params, and which methods a path allows (404 vs 405). Nothing here reads zod's or tRPC's internals
 * or changes a schema: query strings are turned into the types the document gives their parameters.
 */

export interface RestProcedure {
  /** tRPC path, e.g. `tasks.get`. */
  path: string;
  /** The path's segments, as the caller is walked (`tasks`, `get`). */
  segments: readonly string[];
  meta: RestMeta;
  /** What the input takes besides the body (headers) and what the body may not name. */
  input: RestInput;
  /** The input comes from the query string (GET, DELETE), else from the JSON body. */
  fromQuery: boolean;
  /** The operation takes no input at all (no parameters, no body): the procedure is called without one. */
  noInput: boolean;
  /** Query parameters by name, with how to read them. */
  query: DeclaredQuery;
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
  query: DeclaredQuery;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function isReference(value: unknown): value is ReferenceObject {
  return typeof value === 'object' && value !== null && '$ref' in value;
}

function kindOf(schema: SchemaObject | ReferenceObject | undefined): QueryKind {
  if (!schema || isReference(schema)) return 'string';
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('array')) return 'array';
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  if (types.includes('boolean')) return 'boolean';
  for (const option of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const kind = kindOf(option);
    if (kind !== 'string') return kind;
  }
  return 'string';
}

function compileProcedures(
  operations: ReadonlyMap<string, RestMeta>,
  document: OpenAPIObject,
): Map<string, ProcedureRoute[]> {
  const byMethod = new Map<string, ProcedureRoute[]>();
  for (const [path, meta] of operations) {
    const { openapi } = meta;
    if (openapi.enabled === false) continue;
    const method = openapi.method.toUpperCase();
    const operation = document.paths?.[openapi.path]?.[openapi.method.toLowerCase() as 'get'];
    if (!operation) throw new Error(`${path}: ${method} ${openapi.path} is not in the OpenAPI document`);
    const parameters = parametersOf(operation);
    const query = queryOf(parameters);
    const route: ProcedureRoute = {
      pattern: pathPattern(openapi.path, true),
      procedure: {
        path,
        segments: path.split('.'),
        meta,
        input: compileRestInput(meta),
        fromQuery: !readsJsonBody(method),
        noInput: parameters.length === 0 && operation.requestBody === undefined,
        query,
      },
    };
    byMethod.set(method, [...(byMethod.get(method) ?? []), route]);
  }
  return byMethod;
}

function parametersOf(operation: Operation): ParameterObject[] {
  return (operation.parameters ?? []).filter(
    (parameter): parameter is ParameterObject => !isReference(parameter),
  );
}

function queryOf(parameters: readonly ParameterObject[]): DeclaredQuery {
  return new Map(parameters.filter((p) => p.in === 'query').map((p) => [p.name, kindOf(p.schema)]));
}

/** Every documented method and path (hand-written streams included), for 404 vs 405. */
function documentedRoutes(document: OpenAPIObject): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const pattern = pathPattern(path, false);
    for (const method of METHODS) {
      const operation = item?.[method];
      if (operation)
        routes.push({ method: method.toUpperCase(), pattern, query: queryOf(parametersOf(operation)) });
    }
  }
  return routes;
}

/**
 * The query parameters the document declares for a method and path (REST operations and hand-written
 * routes alike), or undefined for what it does not document (docs, the dashboard, unknown paths).
 */
export function compileDeclaredQueries(document: OpenAPIObject) {
  const documented = documentedRoutes(document);
  return (method: string, pathname: string): DeclaredQuery | undefined =>
    documented.find((route) => route.method === method && route.pattern.test(pathname))?.query;
}

/** Path params as sent, percent-decoded (`%38` is `8`); a malformed escape stays as it is, for zod to refuse. */
function decodedSegments(groups: Record<string, string> | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(groups ?? {})) {
    try {
      decoded[name] = decodeURIComponent(raw);
    } catch {
      decoded[name] = raw;
    }
  }
  return decoded;
}

/** Finds the procedure of a request (first declared wins, trailing slash optional, case-insensitive). */
export function compileRestRoutes(operations: ReadonlyMap<string, RestMeta>, document: OpenAPIObject) {
  const procedures = compileProcedures(operations, document);
  const documented = documentedRoutes(document);
  return (method: string, pathname: string): RouteMatch => {
    for (const route of procedures.get(method) ?? []) {
      const match = route.pattern.exec(pathname);
      if (match)
        return { kind: 'procedure', procedure: route.procedure, pathInput: decodedSegments(match.groups) };
    }
    const allowed = documented.filter((route) => route.pattern.test(pathname)).map((route) => route.method);
    // A documented method without a procedure is a hand-written route served before REST.
    if (allowed.length === 0 || allowed.includes(method)) return { kind: 'not-found' };
    // HEAD is answered wherever GET is (as GET without its body).
    const allow = new Set(
      allowed.flatMap((allowedMethod) => (allowedMethod === 'GET' ? ['GET', 'HEAD'] : [allowedMethod])),
    );
    return { kind: 'method-not-allowed', allow: [...allow].join(', ') };
  };
}
