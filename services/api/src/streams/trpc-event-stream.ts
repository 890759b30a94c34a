import type { ServerResponse } from 'node:http';
import { RECONNECT_HINT } from './event-stream.ts';
import type { StreamRegistry } from './registry.ts';

function isEventStream(res: ServerResponse): boolean {
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

/**
 * Gives a tRPC answer what the hand-written SSE answers have, should it be an event stream (a subscription
 * over SSE): the reconnect hint before its first event, and a shutdown hook that ends it at once, so its
 * client reconnects (to whichever replica answers) instead of waiting for the close grace to cut it.
 * tRPC writes its SSE body itself and has no option for either: its first `write` is wrapped, as
 * compression middleware wraps a response, and puts the hint first.
 */
export function withEventStreamHint(res: ServerResponse, registry: StreamRegistry): void {
  const write = res.write;
  res.write = function firstWrite(this: ServerResponse, ...args: unknown[]) {
    res.write = write;
    if (isEventStream(res) && !res.headersSent) {
      Reflect.apply(write, res, [RECONNECT_HINT]);
      const unregister = registry.add(() => res.destroy());
      res.once('close', unregister);
    }
    return Reflect.apply(write, res, args) as boolean;
  } as ServerResponse['write'];
}
