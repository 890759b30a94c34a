import { httpBatchLink, httpSubscriptionLink, splitLink, type TRPCLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { closableLink } from './closable-link.ts';
import type { AppRouter } from './server-types.ts';
import { createSocketPool } from './socket-pool.ts';
import { reconnectingFetch } from './sse-reconnect.ts';

export interface LinkOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  apiKey?: string | undefined;
  /** Calls per HTTP batch; keep it at or below the server's MAX_BATCH_SIZE (50). */
  maxBatchSize: number;
  /** Subscriptions over WebSocket (default) or Server-Sent Events (for networks that block WS). */
  subscriptions: 'ws' | 'sse';
  /** The WebSocket class where the runtime has none (Node 20); undefined: the global one. */
  WebSocket?: typeof WebSocket | undefined;
  /** Subscriptions per WebSocket, under the api's cap of 100 per socket. */
  subscriptionsPerSocket: number;
  /** Aborted when the client is closed: every subscription still open fails with ClientClosedError. */
  closed: AbortSignal;
}

export interface Links {
  links: TRPCLink<AppRouter>[];
  /** Closes the WebSockets; call after aborting `closed`, so their subscriptions fail rather than end. */
  close(): void;
}

const NO_WEBSOCKET =
  "subscriptions: 'ws' needs a WebSocket and this runtime has no WebSocket (Node 20): use subscriptions: 'sse', " +
  "pass a WebSocket implementation (createClient({ WebSocket }) with the ws package's), or run on Node 22+";

/** Subscriptions over WS (or SSE), every other call over batched HTTP; the API key on both. */
export function createLinks(opts: LinkOptions): Links {
  const base = opts.url.replace(/\/+$/, '');
  const headers = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : undefined;
  const http = httpBatchLink<AppRouter>({ url: `${base}/trpc`, maxItems: opts.maxBatchSize, headers });
  const split = (subscriptions: TRPCLink<AppRouter>) => [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: closableLink(subscriptions, opts.closed),
      false: http,
    }),
  ];

  if (opts.subscriptions === 'sse') {
    const sse = httpSubscriptionLink<AppRouter, typeof EventSource>({
      url: `${base}/trpc`,
      EventSource,
      // Called for each subscription: each EventSource backs off on its own.
      eventSourceOptions: () => ({ fetch: reconnectingFetch({ headers }) }),
    });
    return { links: split(sse), close: () => {} };
  }

  // Sockets open lazily: without this check a missing WebSocket would surface at the first watch.
  if (typeof (opts.WebSocket ?? globalThis.WebSocket) !== 'function') throw new Error(NO_WEBSOCKET);
  const pool = createSocketPool({
    url: `${base.replace(/^http/, 'ws')}/trpc`,
    connectionParams: opts.apiKey ? { apiKey: opts.apiKey } : undefined,
    perSocket: opts.subscriptionsPerSocket,
    WebSocket: opts.WebSocket,
  });
  return { links: split(pool.link), close: pool.close };
}
