import { describeError, errorHeaders } from '../errors.ts';

/**
 * tRPC's HTTP handler sets no headers of its own for errors: this `responseMeta` adds the ones the REST
 * routes send (Retry-After, WWW-Authenticate), from the same table.
 */
export function trpcErrorHeaders({ errors }: { errors: readonly unknown[] }): {
  headers?: Record<string, string>;
} {
  if (errors.length === 0) return {};
  const headers = errorHeaders(errors.map(describeError));
  return Object.keys(headers).length > 0 ? { headers } : {};
}
