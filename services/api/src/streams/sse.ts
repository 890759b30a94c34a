import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskEvent } from '@kaygraph/contracts';
import { TaskId } from '@kaygraph/contracts';
import type { Caller, TaskService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import { sendError } from '../http/respond.ts';
import type { StreamRegistry } from './registry.ts';
import { loadTaskOutcome, parseSeq } from './task-outcome.ts';

export interface TaskStreamOptions {
  tasks: TaskService;
  caller: () => Promise<Caller>;
  registry: StreamRegistry;
  logger: Logger;
  heartbeatMs: number;
}

function frame(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /tasks/{task_id}/stream`: Server-Sent Events of one task. Errors before the first byte are
 * JSON answers; afterwards the stream replays after `Last-Event-ID`, follows the task live, sends
 * `done` and closes.
 */
export async function streamTaskOverSse(
  req: IncomingMessage,
  res: ServerResponse,
  rawTaskId: string,
  opts: TaskStreamOptions,
): Promise<void> {
  const abort = new AbortController();
  let unregister = (): void => {};
  let heartbeat: NodeJS.Timeout | undefined;
  // Registered first: a client that leaves while we look the task up must not leave a subscription behind.
  res.on('close', () => abort.abort());
  try {
    const taskId = TaskId.parse(rawTaskId);
    const caller = await opts.caller();
    await opts.tasks.progress(caller, taskId); // answers 404 before the stream starts
    const afterSeq = parseSeq(req.headers['last-event-id']) ?? 0;
    if (abort.signal.aborted) return;

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs);
    unregister = opts.registry.add(() => {
      // Reconnect soon, with Last-Event-ID, to whichever replica answers.
      res.end('retry: 500\n\n');
      abort.abort();
    });

    let lastSeq = afterSeq;
    const events: AsyncIterable<TaskEvent> = opts.tasks.events(caller, taskId, {
      afterSeq,
      signal: abort.signal,
    });
    for await (const event of events) {
      lastSeq = event.seq;
      if (event.type !== 'log') res.write(frame(event.type, event.seq, event));
    }
    if (abort.signal.aborted) return;
    const outcome = await loadTaskOutcome(opts.tasks, caller, taskId);
    if (outcome) res.write(frame('done', lastSeq, outcome));
    res.end();
  } catch (error) {
    if (abort.signal.aborted) return;
    if (!res.headersSent) {
      sendError(res, describeError(error));
      return;
    }
    opts.logger.warn({ err: error, taskId: rawTaskId }, 'SSE stream failed');
    res.end();
  } finally {
    clearInterval(heartbeat);
    unregister();
  }
}
