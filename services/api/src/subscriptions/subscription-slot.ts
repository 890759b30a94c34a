import type { Caller } from '@kaygraph/tasks';
import type { CallerKey, Context } from '../context.ts';

/**
 * A slot for one subscription of this connection and key (`using slot = holdSubscriptionSlot(ctx)` at
 * the top of the subscription's generator: released however it ends). Without a key, the owner counts.
 */
export function holdSubscriptionSlot(
  ctx: Context & { caller: Caller; apiKey: CallerKey | undefined },
): Disposable {
  const key = ctx.apiKey ? `key:${ctx.apiKey.id}` : `owner:${ctx.caller.owner}`;
  return ctx.services.subscriptionCaps.acquire(ctx.connection, key);
}
