import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { type ContextFactory, connectionParamsOf } from './context.ts';
import { describeError } from './errors.ts';
import { trpcResponseHeaders } from './http/trpc-response-headers.ts';
import type { ServerErrorLog } from './logging/server-errors.ts';
import { appRouter } from './router.ts';
import { REVOKED_CLOSE_CODE } from './ws/task-socket.ts';

export interface TrpcTransportOptions {
  createContext: ContextFactory;
  /** Calls per HTTP batch (MAX_BATCH_SIZE). */
  maxBatchSize: number;
  /** Open subscriptions one WebSocket may hold (a frame may carry that many). */
  subscriptionsPerSocket: number;
  bodyLimitBytes: number;
  /** Where a call that fails on the server's side is logged. */
  serverErrors: ServerErrorLog;
  /** Whether HTTP answers depend on the request's Origin (CrossOriginPolicy.variesByOrigin). */
  variesByOrigin: boolean;
}

export interface TrpcTransports {
  /** HTTP queries, mutations and SSE subscriptions under `/trpc/`. */
  http: (req: IncomingMessage, res: ServerResponse) => void;
  /** The WebSocket server the `/trpc` upgrade hands sockets to. */
  wss: WebSocketServer;
  /** Tells every tRPC WebSocket client to reconnect (on shutdown). */
  broadcastReconnect: () => void;
}

/** tRPC over HTTP (with SSE) and over WebSocket: one router, one context factory, server errors logged. */
export function createTrpcTransports(opts: TrpcTransportOptions): TrpcTransports {
  const { createContext, serverErrors } = opts;
  const logServerError = ({ error, path }: { error: unknown; path?: string | undefined }) => {
    if (describeError(error).httpStatus >= 500) serverErrors(error, { path }, 'tRPC call failed');
  };

  const http = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBatchSize: opts.maxBatchSize,
    maxBodySize: opts.bodyLimitBytes,
    // `?connectionParams=` carries a key only where a client cannot send a header: SSE subscriptions.
    // A subscription's response is its connection: closed when its key is revoked.
    createContext: ({ req, res, info }) => {
      const subscription = info.type === 'subscription';
      return createContext({
        headers: req.headers,
        connectionParams: subscription ? connectionParamsOf(info.connectionParams) : null,
        remoteAddress: req.socket.remoteAddress,
        connection: subscription
          ? {
              close: () => res.destroy(),
              onClosed: (listener) => (res.closed ? listener() : res.once('close', listener)),
            }
          : undefined,
      });
    },
    onError: logServerError,
    responseMeta: trpcResponseHeaders({ variesByOrigin: opts.variesByOrigin }),
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.bodyLimitBytes });
  const ws = applyWSSHandler({
    wss,
    router: appRouter,
    // A frame carries what one socket may hold: a client's wsLink sends every subscription started in one
    // tick in one frame, each taking a slot of its socket and key (subscriptionCaps, refused one by one
    // past them); MAX_BATCH_SIZE alone would refuse a whole frame of watches the socket could hold.
    maxBatchSize: Math.max(opts.maxBatchSize, opts.subscriptionsPerSocket),
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    // One context per socket: its key is checked once, and the socket is closed when the key is revoked.
    createContext: ({ req, res, info }) =>
      createContext({
        headers: req.headers,
        connectionParams: connectionParamsOf(info.connectionParams),
        remoteAddress: req.socket.remoteAddress,
        connection: {
          close: (reason) => res.close(REVOKED_CLOSE_CODE, reason),
          onClosed: (listener) => (res.readyState === res.CLOSED ? listener() : res.once('close', listener)),
        },
      }),
    onError: logServerError,
  });

  return { http, wss, broadcastReconnect: () => ws.broadcastReconnectNotification() };
}
