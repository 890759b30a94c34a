import { describeError } from '../errors.ts';

/**
 * tRPC's HTTP handler sets no headers of its own for errors: this `responseMeta` adds Retry-After
 * when an error says when to come back (RATE_LIMITED, QUEUE_FULL), as the REST routes do.
 */
export function retryAfterMeta({ errors }: { errors: readonly unknown[] }): {
  headers?: Record<string, string>;
} {
  const seconds = errors
    .map((error) => describeError(error).retryAfterSeconds)
    .filter((value): value is number => value !== undefined);
  if (seconds.length === 0) return {};
  return { headers: { 'retry-after': String(Math.ceil(Math.max(...seconds))) } };
}
