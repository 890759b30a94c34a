import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskEvent } from '@kaygraph/contracts';
import { sseDoneId, TaskId } from '@kaygraph/contracts';
import type { Caller, TaskService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { OpenConnection } from '../context.ts';
import { describeError } from '../errors.ts';
import { parsePathParam } from '../http/path-param.ts';
import { requestUrl } from '../http/request-url.ts';
import { sendError } from '../http/respond.ts';
import {
  answerEventStreamHead,
  answerStreamOver,
  eventStreamConnection,
  sseFrame as frame,
  openEventStream,
} from './event-stream.ts';
import type { StreamRegistry } from './registry.ts';
import { parseSseResumePoint, type TaskOutcomes } from './task-outcome.ts';
import { withoutStack } from './without-stacks.ts';

/**
 * SSE frames by event: streams of one task receive the same event objects (one per notification), so a
 * thousand streams share one frame text per event instead of serializing it a thousand times.
 */
const eventFrames = new WeakMap<TaskEvent, string>();

function eventFrame(event: TaskEvent): string {
  let text = eventFrames.get(event);
  if (text === undefined) {
    text = frame(event.type, event.seq, withoutStack(event));
    eventFrames.set(event, text);
  }
  return text;
}

export interface TaskStreamOptions {
  tasks: TaskService;
  /** The final message of a finished task's stream. */
  outcomes: TaskOutcomes;
  /** Resolves who calls; `connection` is closed when the caller's key is revoked. */
  caller: (connection?: OpenConnection) => Promise<Caller>;
  registry: StreamRegistry;
  logger: Logger;
  heartbeatMs: number;
}

/**
 * `GET /tasks/{task_id}/stream`: Server-Sent Events of one task. Errors before the first byte are
 * JSON answers; afterwards the stream replays after `Last-Event-ID` (or `?last_event_id=`), follows the task live, sends
 * `done` (with its own id) and closes. A client resuming from the `done` id of a task that has not changed
 * since is answered 204 No Content, which tells an EventSource to stop reconnecting. HEAD answers the
 * same checks and headers, then ends.
 */
export async function streamTaskOverSse(
  req: IncomingMessage,
  res: ServerResponse,
  rawTaskId: string,
  opts: TaskStreamOptions,
): Promise<void> {
  const abort = new AbortController();
  let stream: { close(): void } | undefined;
  // Registered first: a client that leaves while we look the task up must not leave a subscription behind.
  res.on('close', () => abort.abort());
  try {
    const taskId = parsePathParam('task_id', TaskId, rawTaskId);
    const caller = await opts.caller(eventStreamConnection(res, abort));
    // Answers 404 before the stream starts; a resume point past the task's last event is clamped to it.
    const resumePoint = parseSseResumePoint(
      req.headers['last-event-id'],
      requestUrl(req)?.searchParams.get('last_event_id'),
    );
    const resume = await opts.tasks.resumeState(caller, taskId, resumePoint?.afterSeq ?? 0);
    if (abort.signal.aborted) return;
    // The client saw `done` and nothing happened since (no retry): the stream is over, for good.
    if (resumePoint?.sawDone && resume.ended) return answerStreamOver(res);
    if (req.method === 'HEAD') return answerEventStreamHead(res);

    stream = openEventStream(res, { registry: opts.registry, heartbeatMs: opts.heartbeatMs, abort });

    let lastSeq = resume.afterSeq;
    const events: AsyncIterable<TaskEvent> = opts.tasks.events(caller, taskId, {
      afterSeq: resume.afterSeq,
      signal: abort.signal,
    });
    for await (const event of events) {
      lastSeq = event.seq;
      if (!res.writableEnded) res.write(eventFrame(event));
    }
    if (abort.signal.aborted) return;
    const outcome = await opts.outcomes.load(caller, taskId);
    if (outcome) res.write(frame('done', sseDoneId(lastSeq), outcome));
    res.end();
  } catch (error) {
    if (abort.signal.aborted) return;
    if (!res.headersSent) {
      sendError(res, describeError(error));
      return;
    }
    opts.logger.warn({ err: error, task_id: rawTaskId }, 'SSE stream failed');
    res.end();
  } finally {
    stream?.close();
  }
}
