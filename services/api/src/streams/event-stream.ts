import type { ServerResponse } from 'node:http';
import { SSE_RETRY_MS } from '@kaygraph/contracts';
import type { OpenConnection } from '../context.ts';
import { errorBody } from '../errors.ts';
import { sendError } from '../http/respond.ts';
import type { StreamRegistry } from './registry.ts';

/** One Server-Sent Events frame. */
export function sseFrame(event: string, id: number | string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface OpenEventStreamOptions {
  registry: StreamRegistry;
  heartbeatMs: number;
  /** Aborted when the server shuts down (after telling the client to reconnect soon). */
  abort: AbortController;
}

/** What every SSE answer starts with (tRPC's too: trpc-event-stream.ts): reconnect after SSE_RETRY_MS. */
export const RECONNECT_HINT = `retry: ${SSE_RETRY_MS}\n\n`;

const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** HEAD of a stream, once its GET's checks passed: the headers its GET starts with, no events. */
export function answerEventStreamHead(res: ServerResponse): void {
  res.writeHead(200, EVENT_STREAM_HEADERS);
  res.end();
}

/**
 * A stream with nothing more to send (its client saw the end): 204 No Content, after which an EventSource
 * stops reconnecting (and fires `error` once, with readyState CLOSED).
 */
export function answerStreamOver(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/**
 * Starts an SSE answer: headers, the reconnect hint, comment heartbeats, and a shutdown hook that ends the
 * stream, so its client reconnects (to whichever replica answers) after the hint. Call `close()` when done.
 */
export function openEventStream(res: ServerResponse, opts: OpenEventStreamOptions): { close(): void } {
  res.writeHead(200, EVENT_STREAM_HEADERS);
  res.write(RECONNECT_HINT);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs);
  const unregister = opts.registry.add(() => {
    res.end();
    opts.abort.abort();
  });
  return {
    close() {
      clearInterval(heartbeat);
      unregister();
    },
  };
}

/**
 * An SSE response as an OpenConnection: closing it (a revoked key) stops the stream with an
 * `event: error` frame carrying an ErrorBody (or a plain 401 before the stream started).
 */
export function eventStreamConnection(res: ServerResponse, abort: AbortController): OpenConnection {
  return {
    close(reason) {
      abort.abort();
      const refused = errorBody('UNAUTHORIZED', reason);
      if (!res.headersSent) sendError(res, refused);
      else if (!res.writableEnded) res.end(`event: error\ndata: ${JSON.stringify(refused.body)}\n\n`);
    },
    // A client may leave while its key is being checked: then the listener runs at once.
    onClosed: (listener) => (res.closed ? listener() : res.once('close', listener)),
  };
}
