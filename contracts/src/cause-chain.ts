/**
 * The one walk of an error's `cause` chain (drizzle, tRPC and fetch wrap the error that says what happened).
 * Imports nothing, so the database package, worker threads and the client load it without the schemas:
 * `import { findCause } from '@kaygraph/contracts/cause-chain'`.
 */

/** How many errors of a chain are looked at, the error itself included: wrappers nest a few deep at most. */
export const MAX_CAUSE_DEPTH = 8;

/**
 * `error` and the causes it wraps, outermost first: objects only, at most MAX_CAUSE_DEPTH of them and
 * each once, since a chain may loop back on itself.
 *
 * @example for (const cause of causeChain(error)) if ('query' in cause) queries.push(cause.query);
 */
export function* causeChain(error: unknown): Generator<object, void, undefined> {
  const seen = new Set<object>();
  let current = error;
  while (
    typeof current === 'object' &&
    current !== null &&
    !seen.has(current) &&
    seen.size < MAX_CAUSE_DEPTH
  ) {
    seen.add(current);
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * The first of `error` and its causes that `match` accepts, if any.
 *
 * @example const domain = findCause(error, (cause) => cause instanceof DomainError);
 */
export function findCause<T extends object>(
  error: unknown,
  match: (cause: object) => cause is T,
): T | undefined;
export function findCause(error: unknown, match: (cause: object) => boolean): object | undefined;
export function findCause(error: unknown, match: (cause: object) => boolean): object | undefined {
  for (const cause of causeChain(error)) if (match(cause)) return cause;
  return undefined;
}

/**
 * The first string `code` in `error`'s cause chain that `match` accepts (a SQLSTATE, a Node or driver
 * code), if any.
 *
 * @example const timedOut = codeInCauses(error, (code) => code === '57014') !== undefined;
 */
export function codeInCauses(
  error: unknown,
  match: (code: string, cause: object) => boolean,
): string | undefined {
  for (const cause of causeChain(error)) {
    const { code } = cause as { code?: unknown };
    if (typeof code === 'string' && match(code, cause)) return code;
  }
  return undefined;
}
