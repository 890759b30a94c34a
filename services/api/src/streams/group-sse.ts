import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, GroupId } from '@kaygraph/contracts';
import type { Caller, OrchestrationService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { OpenConnection } from '../context.ts';
import { describeError } from '../errors.ts';
import { parsePathParam } from '../http/path-param.ts';
import { sendError } from '../http/respond.ts';
import { answerEventStreamHead, eventStreamConnection, openEventStream, sseFrame } from './event-stream.ts';
import type { StreamRegistry } from './registry.ts';
import { groupEventWithoutStack } from './without-stacks.ts';

export interface GroupStreamOptions {
  orchestration: OrchestrationService | undefined;
  /** Resolves who calls; `connection` is closed when the caller's key is revoked. */
  caller: (connection?: OpenConnection) => Promise<Caller>;
  registry: StreamRegistry;
  logger: Logger;
  heartbeatMs: number;
}

/**
 * `GET /groups/{group_id}/stream`: Server-Sent Events of a task group. `event: group` carries the
 * GroupSummary (first, and after every change), `event: task` any TaskEvent of one of its tasks; the
 * stream closes after the summary of a finished group. Errors before the first byte are JSON answers. A
 * reconnect starts again from a fresh summary. HEAD answers the same checks and headers, then ends.
 */
export async function streamGroupOverSse(
  req: IncomingMessage,
  res: ServerResponse,
  rawGroupId: string,
  opts: GroupStreamOptions,
): Promise<void> {
  const abort = new AbortController();
  let stream: { close(): void } | undefined;
  // Registered first: a client that leaves during the lookup must not leave a subscription behind.
  res.on('close', () => abort.abort());
  try {
    if (!opts.orchestration) {
      throw new DomainError('UNAVAILABLE', 'groups are not enabled on this server');
    }
    const groupId = parsePathParam('group_id', GroupId, rawGroupId);
    const caller = await opts.caller(eventStreamConnection(res, abort));
    const events = opts.orchestration.groups.events(caller, groupId, { signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    // The first item (the summary) answers 404 before the stream starts.
    let next = await iterator.next();
    if (abort.signal.aborted) {
      await iterator.return?.();
      return;
    }
    if (req.method === 'HEAD') {
      await iterator.return?.();
      return answerEventStreamHead(res);
    }
    stream = openEventStream(res, { registry: opts.registry, heartbeatMs: opts.heartbeatMs, abort });
    let id = 0;
    while (!next.done) {
      id++;
      if (!res.writableEnded) res.write(sseFrame(next.value.type, id, groupEventWithoutStack(next.value)));
      next = await iterator.next();
    }
    if (!abort.signal.aborted) res.end();
  } catch (error) {
    if (abort.signal.aborted) return;
    if (!res.headersSent) {
      sendError(res, describeError(error));
      return;
    }
    opts.logger.warn({ err: error, group_id: rawGroupId }, 'group SSE stream failed');
    res.end();
  } finally {
    stream?.close();
  }
}
