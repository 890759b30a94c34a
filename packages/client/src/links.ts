import {
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCLink,
  wsLink,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from './server-types.ts';

export interface LinkOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  apiKey?: string | undefined;
  /** Calls per HTTP batch; keep it at or below the server's MAX_BATCH_SIZE (50). */
  maxBatchSize: number;
  /** Subscriptions over WebSocket (default) or Server-Sent Events (for networks that block WS). */
  subscriptions: 'ws' | 'sse';
}

export interface Links {
  links: TRPCLink<AppRouter>[];
  close(): void;
}

function reconnectDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 5_000);
}

/** Subscriptions over WS (or SSE), every other call over batched HTTP; the API key on both. */
export function createLinks(opts: LinkOptions): Links {
  const base = opts.url.replace(/\/+$/, '');
  const headers = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : undefined;
  const connectionParams = opts.apiKey ? { apiKey: opts.apiKey } : undefined;
  const http = httpBatchLink<AppRouter>({ url: `${base}/trpc`, maxItems: opts.maxBatchSize, headers });

  if (opts.subscriptions === 'sse') {
    const sse = httpSubscriptionLink<AppRouter, typeof EventSource>({
      url: `${base}/trpc`,
      EventSource,
      eventSourceOptions: headers
        ? { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) }
        : undefined,
    });
    return {
      links: [splitLink({ condition: (op) => op.type === 'subscription', true: sse, false: http })],
      close: () => {},
    };
  }

  const wsClient = createWSClient({
    url: `${base.replace(/^http/, 'ws')}/trpc`,
    connectionParams,
    retryDelayMs: reconnectDelayMs,
    // Connect on the first subscription; close once nothing is subscribed.
    lazy: { enabled: true, closeMs: 5_000 },
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
  });
  return {
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: http,
      }),
    ],
    close: () => wsClient.close(),
  };
}
