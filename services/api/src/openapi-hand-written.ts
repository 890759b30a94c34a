import {
  ErrorBody,
  GroupId,
  MetricsFormat,
  MetricsSnapshot,
  SSE_RETRY_MS,
  SseLastEventId,
  TaskId,
} from '@kaygraph/contracts';
import { z } from 'zod';
import { type OperationTraits, traits } from './openapi-statuses.ts';

/** The `?api_key=` the hand-written routes accept from browsers, which cannot set their headers. */
const apiKeyParam = (transport: string, tokenInstead = true) =>
  z
    .string()
    .optional()
    .meta({
      description: tokenInstead
        ? `The API key, for browsers (${transport} cannot send headers). Kept for compatibility: URLs end up in proxy and access logs, history and Referer headers, so send \`token\` instead`
        : `For browsers (${transport} cannot send headers)`,
    });
/** The `?token=` the streams take: a stream token, in place of any key. */
const streamTokenParam = (from: string) =>
  z
    .string()
    .optional()
    .meta({
      description: `A stream token from ${from}: what a browser should send (it opens this stream only, and expires soon). When given, it is the only credential read`,
    });
const TASK_TOKEN = 'POST /tasks/{task_id}/stream-token';
/** The operations that take an API key when auth is on (`Authorization: Bearer`, or `?api_key=`). */
const BEARER = [{ Authorization: [] }];
const taskPath = z.object({ task_id: TaskId.meta({ description: 'The task id from POST /tasks' }) });
/** A response header every such answer carries. */
const header = (description: string, type: 'string' | 'integer' = 'string') => ({
  description,
  required: true,
  schema: { type },
});
/** What every answer with an artifact's bytes says of them. */
const ARTIFACT_HEADERS = {
  'Accept-Ranges': header('`bytes`'),
  ETag: header('The version of the artifact, for If-Range'),
  'Content-Length': header('Bytes in the body', 'integer'),
};

/**
 * The hand-written routes (streams, an artifact, the raw task socket, /metrics), described with the same
 * zod contracts they send. Their error responses here are their own; HAND_WRITTEN_TRAITS below decides
 * the rest, as routers' metadata does for the procedures.
 */
export const HAND_WRITTEN_PATHS = {
  '/tasks/{task_id}/stream': {
    get: {
      operationId: 'tasks-stream',
      security: BEARER,
      tags: ['tasks'],
      summary: "Stream a task's progress (Server-Sent Events)",
      description: [
        'Server-Sent Events: `id:` is the event seq, `event:` is the event type (`status`, `progress`, `log`,',
        '`waiting`, `signal_received`, `child_finished`: every TaskEvent, as tRPC and the WebSocket carry them)',
        'or `done`, and `data:` is JSON (StatusEvent, ProgressEvent, LogEvent, WaitingEvent,',
        'SignalReceivedEvent, ChildFinishedEvent, TaskStreamDone). The stream starts with',
        `\`retry: ${SSE_RETRY_MS}\` (an EventSource reconnects that soon after a drop or a restart),`,
        'replays what the client missed (send `Last-Event-ID` to resume), sends `: ping` comments as',
        'heartbeats, and closes after `done`. The `done` event has its own id, `<seq>-done` (the seq of',
        'the last event before it): resuming from it answers 204 No Content, unless the task changed since',
        '(a retry), when the stream resumes after that seq; so an EventSource left open after `done`',
        'reconnects once and stops (close it on `done` to spare that request). Errors (unknown task, bad',
        'id, no key) are answered as JSON before the stream starts; a key revoked while the stream is open',
        'ends it with `event: error` (an ErrorBody). HEAD answers the same checks and headers, without events.',
        'From a browser, whose EventSource cannot send `Authorization`, open it with `?token=` from',
        `${TASK_TOKEN} rather than the key in \`?api_key=\`; a page that reconnects after the token expired`,
        'is refused (401): fetch a new token and open a new EventSource with `?last_event_id=` set to the',
        'last id it received, which resumes as `Last-Event-ID` does.',
      ].join(' '),
      requestParams: {
        path: taskPath,
        header: z.object({
          'last-event-id': SseLastEventId.optional().meta({
            description:
              'Resume after this seq; the `done` id: 204 if the task is still over. Another value is a 400.',
          }),
        }),
        query: z.object({
          token: streamTokenParam(TASK_TOKEN),
          api_key: apiKeyParam('EventSource'),
          last_event_id: SseLastEventId.optional().meta({
            description:
              'As the Last-Event-ID header, for a new EventSource resuming where an old one stopped; the header wins when both are sent.',
          }),
        }),
      },
      responses: {
        '200': {
          description:
            'An event stream; see the TaskEvent schemas (StatusEvent, ProgressEvent, LogEvent, ...) and TaskStreamDone.',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        '204': {
          description: 'Resumed from the `done` id of a task that has not changed since: the stream is over.',
        },
        '400': {
          description:
            'Invalid task id, or a Last-Event-ID or last_event_id that is no event id of this stream',
          content: { 'application/json': { schema: ErrorBody } },
        },
        '404': { description: 'No such task', content: { 'application/json': { schema: ErrorBody } } },
      },
    },
  },
  '/tasks/{task_id}/artifacts/{name}': {
    get: {
      operationId: 'tasks-artifact',
      security: BEARER,
      tags: ['tasks'],
      summary: 'Download an artifact of a task',
      description: [
        'The stored bytes of one artifact a task produced (a report CSV, model weights), with its content',
        'type; GET /tasks/{task_id} lists the artifacts of a task. The bytes are streamed as they are read',
        'from the database. One `Range` (`bytes=0-1023`, `bytes=1024-`, `bytes=-1024`) is answered with',
        'a 206 of those bytes, a range that starts past the end with a 416; several ranges, or an invalid',
        'one, get the whole artifact. To resume a cut download, send the `ETag` you got as `If-Range`:',
        'the artifact replaced since answers 200 with the new one whole. An artifact replaced or deleted',
        'while it downloads cuts the connection (fewer bytes than Content-Length), never mixing versions.',
        'HEAD answers the headers of the whole artifact.',
      ].join(' '),
      requestParams: {
        path: taskPath.extend({ name: z.string().min(1).meta({ description: 'The artifact name' }) }),
        header: z.object({
          range: z.string().optional().meta({
            description: 'One byte range: `bytes=first-last`, `bytes=first-` or `bytes=-suffix_length`',
          }),
          'if-range': z.string().optional().meta({
            description: 'An ETag of the artifact: the Range applies only while the artifact is that version',
          }),
        }),
        query: z.object({ api_key: apiKeyParam('a download link', false) }),
      },
      responses: {
        '200': {
          description: 'The artifact, with the content type it was stored with.',
          headers: ARTIFACT_HEADERS,
          content: {
            '*/*': { schema: z.string().meta({ description: 'The bytes, served as an attachment' }) },
          },
        },
        '206': {
          description: 'The bytes of the one range asked for.',
          headers: {
            ...ARTIFACT_HEADERS,
            'Content-Range': header('`bytes first-last/size`'),
          },
          content: { '*/*': { schema: z.string().meta({ description: 'The bytes of the range' }) } },
        },
        '400': { description: 'Invalid task id', content: { 'application/json': { schema: ErrorBody } } },
        '404': {
          description: 'No such task or artifact',
          content: { 'application/json': { schema: ErrorBody } },
        },
        '416': {
          description:
            'RANGE_NOT_SATISFIABLE: the range starts at or past the end of the artifact (so any range of an empty artifact), or asks for its last 0 bytes (`bytes=-0`)',
          headers: {
            'Content-Range': header('`bytes */size`: the size of the artifact'),
          },
          content: { 'application/json': { schema: ErrorBody } },
        },
      },
    },
  },
  '/groups/{group_id}/stream': {
    get: {
      operationId: 'groups-stream',
      security: BEARER,
      tags: ['groups'],
      summary: 'Stream a task group (Server-Sent Events)',
      description: [
        'Server-Sent Events of a task group: `event: group` carries the GroupSummary (counts per status,',
        'aggregate progress, status), first and after every change; `event: task` every event of its tasks',
        '(status, progress, log and wait events; `data:` is a GroupEvent). The stream closes after the summary of a',
        'finished group (completed, failed, partially_failed, cancelled). It starts with',
        `\`retry: ${SSE_RETRY_MS}\`; a reconnect starts from a fresh summary. Errors (unknown group, bad id)`,
        'are answered as JSON before the stream starts. HEAD answers the same checks and headers, without',
        'events. From a browser, open it with `?token=` from POST /groups/{group_id}/stream-token rather than',
        'the key in `?api_key=`.',
      ].join(' '),
      requestParams: {
        path: z.object({ group_id: GroupId.meta({ description: 'The group id from POST /groups' }) }),
        query: z.object({
          token: streamTokenParam('POST /groups/{group_id}/stream-token'),
          api_key: apiKeyParam('EventSource'),
        }),
      },
      responses: {
        '200': {
          description: 'An event stream; see the GroupEvent schema.',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        '400': { description: 'Invalid group id', content: { 'application/json': { schema: ErrorBody } } },
        '404': { description: 'No such group', content: { 'application/json': { schema: ErrorBody } } },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      security: BEARER,
      tags: ['metrics'],
      summary: 'Queue metrics (JSON or Prometheus text)',
      description: [
        'By default: the MetricsSnapshot JSON (tasks per status, throughput, durations, error rate,',
        "breakdowns per workflow and priority; your own tasks unless the key is an admin's). For",
        '`Accept: application/openmetrics-text`, `Accept: text/plain;version=0.0.4` (what Prometheus sends)',
        'or `?format=prometheus`: Prometheus text exposition (counters, gauges and histograms over every owner), which',
        'needs an admin key when auth is on. HEAD answers the same headers. When auth is on, send',
        '`Authorization: Bearer <key>`.',
      ].join(' '),
      requestParams: {
        header: z.object({
          accept: z.string().optional().meta({
            description:
              '`application/openmetrics-text` or `text/plain;version=0.0.4`: Prometheus text; else JSON',
          }),
        }),
        query: z.object({
          format: MetricsFormat.optional().meta({
            description: 'Overrides Accept: `prometheus` for the text exposition',
          }),
        }),
      },
      responses: {
        '200': {
          description: 'The snapshot (application/json) or the Prometheus exposition (text/plain).',
          content: {
            'application/json': { schema: MetricsSnapshot },
            'text/plain': { schema: z.string().meta({ description: 'Prometheus text format 0.0.4' }) },
          },
        },
        '403': {
          description: 'FORBIDDEN: Prometheus text needs an admin key',
          content: { 'application/json': { schema: ErrorBody } },
        },
      },
    },
  },
  '/ws/{task_id}': {
    get: {
      operationId: 'tasks-socket',
      security: BEARER,
      tags: ['tasks'],
      summary: 'Watch a task over a WebSocket (upgrade)',
      description: [
        'WebSocket upgrade. The server sends a TaskSocketUpdate JSON message on every status or progress',
        'change and every other event as it is (TaskSocketEvent: LogEvent, WaitingEvent, SignalReceivedEvent,',
        'ChildFinishedEvent), replaying history first (`?last_event_id=<seq>` resumes), then one TaskStreamDone',
        '`{task_id, done: true, final_status, result, error}` and closes with 1000. Send',
        '`{"type": "cancel"}` (TaskSocketClientMessage) to cancel the task. Failures arrive as',
        'TaskSocketError and close with 4000 + the HTTP status (4400, 4404; 4403 for a page of an origin the',
        "api's CORS_ORIGINS does not list); 1012 means the server is",
        'restarting: reconnect with `last_event_id`. From a browser, connect with `?token=` from',
        `${TASK_TOKEN} rather than the key in \`?api_key=\`: such a socket watches only (a cancel is`,
        'answered with a FORBIDDEN TaskSocketError), and a refused token closes it with 4401.',
      ].join(' '),
      requestParams: {
        path: taskPath,
        query: z.object({
          last_event_id: z.number().int().min(0).optional().meta({ description: 'Resume after this seq' }),
          token: streamTokenParam(TASK_TOKEN),
          api_key: apiKeyParam('WebSocket'),
        }),
      },
      responses: {
        '101': { description: 'Switching protocols: the socket is open.' },
        '400': {
          description: 'Not a WebSocket upgrade (a plain GET or HEAD)',
          content: { 'application/json': { schema: ErrorBody } },
        },
      },
    },
  },
};

/**
 * What is true of each hand-written operation (openapi-statuses.ts adds the error answers that follow),
 * by operationId. The socket answers over HTTP only when it is not an upgrade (400); everything else it
 * says after the upgrade, as close codes.
 */
export const HAND_WRITTEN_TRAITS: Record<string, OperationTraits> = {
  'tasks-stream': traits({ input: true, key: true, database: true, subscribes: true }),
  'tasks-artifact': traits({ input: true, key: true, database: true }),
  'groups-stream': traits({ input: true, key: true, database: true, subscribes: true }),
  // `?format=` is json or prometheus (else 400); an unknown Accept is answered as JSON.
  metrics: traits({ input: true, key: true, database: true }),
  'tasks-socket': traits({ input: true }),
};
