import type { Caller } from '@kaygraph/tasks';
import type { CallerKey, Context } from '../context.ts';

/** Whose subscriptions count together: the key's, or without keys the owner's. */
export function subscriberOf(caller: Caller, key: CallerKey | undefined): string {
  return key ? `key:${key.id}` : `owner:${caller.owner}`;
}

/**
 * A slot for one subscription of this connection and key (`using slot = holdSubscriptionSlot(ctx)` at
 * the top of the subscription's generator: released however it ends).
 */
export function holdSubscriptionSlot(
  ctx: Context & { caller: Caller; apiKey: CallerKey | undefined },
): Disposable {
  return ctx.services.subscriptionCaps.acquire(ctx.connection, subscriberOf(ctx.caller, ctx.apiKey));
}
