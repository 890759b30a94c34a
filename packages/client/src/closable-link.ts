import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { ClientClosedError } from './client-closed.ts';

/**
 * Wraps a terminating link so that when `closed` aborts, every operation still open on it fails with a
 * ClientClosedError (a subscription ending normally would read as its task having ended) and later
 * ones fail at once.
 */
export function closableLink<R extends AnyTRPCRouter>(inner: TRPCLink<R>, closed: AbortSignal): TRPCLink<R> {
  return (runtime) => {
    const operation = inner(runtime);
    return (ctx) =>
      observable((observer) => {
        const refuse = () => observer.error(TRPCClientError.from(new ClientClosedError()));
        if (closed.aborted) {
          refuse();
          return () => {};
        }
        const subscription = operation(ctx).subscribe(observer);
        // Fail first: the error ends this observable, whose teardown stops the inner one (which
        // completes as it stops, too late to be seen).
        closed.addEventListener('abort', refuse, { once: true });
        return () => {
          closed.removeEventListener('abort', refuse);
          subscription.unsubscribe();
        };
      });
  };
}
