import type { ServerResponse } from 'node:http';
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

/**
 * Starts an SSE answer: headers, a reconnect delay, comment heartbeats, and a shutdown hook that asks the
 * client to reconnect (to whichever replica answers) within half a second. Call `close()` when done.
 */
export function openEventStream(res: ServerResponse, opts: OpenEventStreamOptions): { close(): void } {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
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
