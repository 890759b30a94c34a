/**
 * True for a promise (or any thenable) a hook returned. Steps await a hook's result only then: awaiting a
 * plain value still costs a promise and a microtask turn, which a synchronous node need not pay.
 */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
