import type { ServerResponse } from 'node:http';
import type { OpenConnection } from '../context.ts';
import { errorBody } from '../errors.ts';
import { sendError } from '../http/respond.ts';
import type { StreamRegistry } from './registry.ts';

/** One Server-Sent Events frame. */
export function sseFrame(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface OpenEventStreamOptions {
  registry: StreamRegistry;
  heartbeatMs: number;
  /** Aborted when the server shuts down (after telling the client to reconnect soon). */
  abort: AbortController;
}

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
 * Starts an SSE answer: headers, a reconnect delay, comment heartbeats, and a shutdown hook that asks the
 * client to reconnect (to whichever replica answers) within half a second. Call `close()` when done.
 */
export function openEventStream(res: ServerResponse, opts: OpenEventStreamOptions): { close(): void } {
  res.writeHead(200, EVENT_STREAM_HEADERS);
  res.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs);
  const unregister = opts.registry.add(() => {
    res.end('retry: 500\n\n');
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
