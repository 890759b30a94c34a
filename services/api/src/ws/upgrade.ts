import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { DomainError } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import { type CrossOriginPolicy, refusal } from '../http/cross-origin.ts';
import { type DeclaredQuery, readQuery } from '../http/query-string.ts';
import { loggablePath, requestUrl } from '../http/request-url.ts';
import { parseSeq } from '../streams/task-outcome.ts';
import { refuseTaskSocket, serveTaskSocket, type TaskSocketOptions } from './task-socket.ts';

/** The raw task socket's path, `/ws/{task_id}`. */
export const SOCKET_PATH = /^\/ws\/([^/]+)\/?$/i;

export interface UpgradeRoutes {
  /** tRPC's WebSocket server, at `/trpc`. */
  trpc: WebSocketServer;
  /** The raw task socket's server, at `/ws/{task_id}`. */
  task: WebSocketServer;
  declaredQuery: (method: string, path: string) => DeclaredQuery | undefined;
  /** The options of the socket of `taskId` (its raw path segment), with the request's credential. */
  taskSocketOptions: (req: IncomingMessage, url: URL, taskId: string) => TaskSocketOptions;
  /** Which pages may open a socket: browsers send cross-origin upgrades unchecked, as no CORS applies. */
  crossOrigin: CrossOriginPolicy;
  logger: Logger;
}

/**
 * The server's `upgrade` listener: tRPC's socket at `/trpc`, a task's socket at `/ws/{task_id}` (its query
 * checked as the document declares it), 404 elsewhere. A page of an origin the api does not allow is
 * refused (403; the task socket closes with 4403 and says why). A failed upgrade ends that socket, never
 * the process.
 */
export function createUpgradeListener(routes: UpgradeRoutes) {
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // No WebSocket here. A reset while we answer must not become an uncaught 'error'.
    const refuse = (status: string) => {
      socket.on('error', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = requestUrl(req);
    if (!url) return refuse('400 Bad Request');
    const path = url.pathname;
    const pageAllowed = routes.crossOrigin.allows(req);
    if (!pageAllowed)
      routes.logger.info(
        { origin: req.headers.origin, path },
        'WebSocket from a page refused: origin not in CORS_ORIGINS',
      );
    if (path === '/trpc' || path === '/trpc/') {
      if (!pageAllowed) return refuse('403 Forbidden');
      routes.trpc.handleUpgrade(req, socket, head, (ws) => routes.trpc.emit('connection', ws, req));
      return;
    }
    const taskId = SOCKET_PATH.exec(path)?.[1];
    if (!taskId) return refuse('404 Not Found');
    try {
      if (!pageAllowed) throw new DomainError('FORBIDDEN', refusal(req.headers.origin ?? ''));
      readQuery(url, routes.declaredQuery('GET', path) ?? new Map());
    } catch (error) {
      routes.task.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        refuseTaskSocket(ws, taskId, error);
      });
      return;
    }
    const afterSeq = parseSeq(url.searchParams.get('last_event_id'));
    routes.task.handleUpgrade(req, socket, head, (ws) => {
      serveTaskSocket(ws, taskId, afterSeq, routes.taskSocketOptions(req, url, taskId)).catch(
        (error: unknown) => {
          routes.logger.error({ err: error, task_id: taskId }, 'task socket failed');
        },
      );
    });
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch (error) {
      routes.logger.warn({ err: error, path: loggablePath(req) }, 'WebSocket upgrade failed');
      socket.destroy();
    }
  };
}
