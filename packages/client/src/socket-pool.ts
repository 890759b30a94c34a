import {
  createWSClient,
  type OperationLink,
  type TRPCLink,
  type TRPCWebSocketClient,
  wsLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from './server-types.ts';

export interface SocketPoolOptions {
  /** `ws://…/trpc` */
  url: string;
  connectionParams: Record<string, string> | undefined;
  /** Subscriptions one socket carries before the next one opens. */
  perSocket: number;
  /** The WebSocket class; undefined: the runtime's global one. */
  WebSocket: typeof WebSocket | undefined;
}

export interface SocketPool {
  link: TRPCLink<AppRouter>;
  /** Closes every socket (their subscriptions end). */
  close(): void;
}

function reconnectDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 5_000);
}

interface PooledSocket {
  operation: OperationLink<AppRouter>;
  open: number;
}

/**
 * Subscriptions over as many WebSockets as they need, at most `perSocket` on each: the api caps the
 * subscriptions of one socket (100), so one socket alone would refuse a fan-out of a few hundred.
 * Each socket opens with its first subscription and closes 5 s after its last one ended.
 */
export function createSocketPool(opts: SocketPoolOptions): SocketPool {
  const clients: TRPCWebSocketClient[] = [];
  const openSocket = (): TRPCWebSocketClient => {
    const client = createWSClient({
      url: opts.url,
      connectionParams: opts.connectionParams,
      WebSocket: opts.WebSocket,
      retryDelayMs: reconnectDelayMs,
      lazy: { enabled: true, closeMs: 5_000 },
      keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    });
    clients.push(client);
    return client;
  };
  const link: TRPCLink<AppRouter> = (runtime) => {
    const sockets: PooledSocket[] = [];
    return (ctx) =>
      observable((observer) => {
        let socket = sockets.find((candidate) => candidate.open < opts.perSocket);
        if (!socket) {
          socket = { operation: wsLink<AppRouter>({ client: openSocket() })(runtime), open: 0 };
          sockets.push(socket);
        }
        const held = socket;
        held.open++;
        const subscription = held.operation(ctx).subscribe(observer);
        return () => {
          subscription.unsubscribe();
          held.open--;
        };
      });
  };
  return {
    link,
    close: () => {
      for (const client of clients) void client.close();
    },
  };
}
