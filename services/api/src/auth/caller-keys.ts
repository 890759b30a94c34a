import type { Caller } from '@kaygraph/tasks';
import type { ActiveApiKey } from './key-store.ts';

/**
 * The key behind a resolved Caller. The domain only knows `{owner, admin}`; the rate limiter needs
 * the key itself (buckets are per key), so the resolver files it here, keyed by the Caller object
 * the context then passes to every procedure and stream of that request or connection.
 */
const keyOfCaller = new WeakMap<Caller, ActiveApiKey>();

export function rememberCallerKey(caller: Caller, key: ActiveApiKey): void {
  keyOfCaller.set(caller, key);
}

/** The API key a caller authenticated with; undefined for the open (keyless) caller. */
export function apiKeyOfCaller(caller: Caller): ActiveApiKey | undefined {
  return keyOfCaller.get(caller);
}
