import { describeError, errorHeaders } from '../errors.ts';

export interface TrpcResponseHeaderOptions {
  /** Whether answers depend on the request's Origin (CrossOriginPolicy.variesByOrigin). */
  variesByOrigin: boolean;
}

/**
 * tRPC's `responseMeta`: what the api's other answers carry and tRPC's HTTP handler does not. Errors get
 * the headers the REST routes send (Retry-After, WWW-Authenticate), from the same table; and tRPC
 * replaces the response's Vary with its own, so `Origin` is added to that (headers given as `Headers`
 * are appended to tRPC's).
 */
export function trpcResponseHeaders(opts: TrpcResponseHeaderOptions) {
  return ({ errors }: { errors: readonly unknown[] }): { headers: Headers } => {
    const headers = new Headers(errors.length > 0 ? errorHeaders(errors.map(describeError)) : {});
    if (opts.variesByOrigin) headers.append('vary', 'Origin');
    return { headers };
  };
}
