import {
  ChildFinishedEvent,
  ErrorBody,
  GroupEvent,
  GroupId,
  MetricsSnapshot,
  ProgressEvent,
  SignalReceivedEvent,
  StatusEvent,
  TaskId,
  TaskSocketClientMessage,
  TaskSocketError,
  TaskSocketUpdate,
  TaskStreamDone,
  WaitingEvent,
} from '@kaygraph/contracts';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { z } from 'zod';
import packageJson from '../package.json' with { type: 'json' };
import type { RestMeta } from './rest-meta.ts';
import { REST_OPERATIONS } from './rest-operations.ts';
import { appRouter } from './router.ts';

export const API_TITLE = 'KayGraph Tasks API';
/** The api package's version, also reported by /health. */
export const API_VERSION = packageJson.version;

/** The `?api_key=` the hand-written streams accept from browsers, which cannot set their headers. */
const apiKeyParam = (transport: string) =>
  z
    .string()
    .optional()
    .meta({ description: `For browsers (${transport} cannot send headers)` });
/** The operations that take an API key when auth is on (`Authorization: Bearer`, or `?api_key=`). */
const BEARER = [{ Authorization: [] }];
const taskPath = z.object({ task_id: TaskId.meta({ description: 'The task id from POST /tasks' }) });

/**
 * The hand-written routes (streams, the raw task socket, /metrics), described with the same zod
 * contracts they send. Everything the generator cannot know about is added here, in one place.
 */
export const HAND_WRITTEN_PATHS = {
  '/tasks/{task_id}/stream': {
    get: {
      operationId: 'tasks-stream',
      security: BEARER,
      tags: ['tasks'],
      summary: "Stream a task's progress (Server-Sent Events)",
      description: [
        'Server-Sent Events: `id:` is the event seq, `event:` is `status`, `progress`, a wait event',
        '(`waiting`, `signal_received`, `child_finished`) or `done`, and `data:` is JSON (StatusEvent,',
        'ProgressEvent, WaitingEvent, SignalReceivedEvent, ChildFinishedEvent, TaskStreamDone). The stream replays what the client',
        'missed (send `Last-Event-ID` to resume), sends `: ping` comments as heartbeats, and closes after',
        '`done`: close the EventSource on `done` (a browser reconnects to a closed stream by itself).',
        'Errors (unknown task, bad id, no key) are answered as JSON before the stream starts; a key',
        'revoked while the stream is open ends it with `event: error` (an ErrorBody).',
      ].join(' '),
      requestParams: {
        path: taskPath,
        header: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d+$/)
            .optional()
            .meta({ description: 'Resume after this seq' }),
        }),
        query: z.object({ api_key: apiKeyParam('EventSource') }),
      },
      responses: {
        '200': {
          description: 'An event stream; see the StatusEvent, ProgressEvent and TaskStreamDone schemas.',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        '400': { description: 'Invalid task id', content: { 'application/json': { schema: ErrorBody } } },
        '401': {
          description: 'No or unknown credentials (auth on)',
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
        'type. GET /tasks/{task_id} lists the artifacts of a task.',
      ].join(' '),
      requestParams: {
        path: taskPath.extend({ name: z.string().min(1).meta({ description: 'The artifact name' }) }),
      },
      responses: {
        '200': {
          description: 'The artifact, with the content type it was stored with.',
          content: {
            '*/*': { schema: z.string().meta({ description: 'The bytes, served as an attachment' }) },
          },
        },
        '400': { description: 'Invalid task id', content: { 'application/json': { schema: ErrorBody } } },
        '401': {
          description: 'No or unknown credentials (auth on)',
          content: { 'application/json': { schema: ErrorBody } },
        },
        '404': {
          description: 'No such task or artifact',
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
        'aggregate progress, status), first and after every change; `event: task` a status or progress',
        'event of one of its tasks (`data:` is a GroupEvent). The stream closes after the summary of a',
        'finished group (completed, failed, partially_failed, cancelled); a reconnect starts from a fresh',
        'summary. Errors (unknown group, bad id) are answered as JSON before the stream starts.',
      ].join(' '),
      requestParams: {
        path: z.object({ group_id: GroupId.meta({ description: 'The group id from POST /groups' }) }),
        query: z.object({ api_key: apiKeyParam('EventSource') }),
      },
      responses: {
        '200': {
          description: 'An event stream; see the GroupEvent schema.',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        '400': { description: 'Invalid group id', content: { 'application/json': { schema: ErrorBody } } },
        '401': {
          description: 'No or unknown credentials (auth on)',
          content: { 'application/json': { schema: ErrorBody } },
        },
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
          format: z
            .enum(['json', 'prometheus'])
            .optional()
            .meta({ description: 'Overrides Accept: `prometheus` for the text exposition' }),
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
        '401': {
          description: 'No or unknown credentials',
          content: { 'application/json': { schema: ErrorBody } },
        },
        '403': {
          description: 'Prometheus text needs an admin key',
          content: { 'application/json': { schema: ErrorBody } },
        },
        '405': { description: 'Only GET and HEAD', content: { 'application/json': { schema: ErrorBody } } },
        '503': {
          description: 'This api was started without metrics',
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
        'WebSocket upgrade. The server sends TaskSocketUpdate JSON messages on every status or progress',
        'change and wait events (WaitingEvent, SignalReceivedEvent, ChildFinishedEvent) as they are',
        '(replaying history first; `?last_event_id=<seq>` resumes), then one TaskStreamDone',
        '`{task_id, done: true, final_status, result, error}` and closes with 1000. Send',
        '`{"type": "cancel"}` (TaskSocketClientMessage) to cancel the task. Failures arrive as',
        'TaskSocketError and close with 4000 + the HTTP status (4400, 4404); 1012 means the server is',
        'restarting: reconnect with `last_event_id`.',
      ].join(' '),
      requestParams: {
        path: taskPath,
        query: z.object({
          last_event_id: z.string().regex(/^\d+$/).optional(),
          api_key: apiKeyParam('WebSocket'),
        }),
      },
      responses: {
        '101': { description: 'Switching protocols: the socket is open.' },
        '400': {
          description: 'Not a WebSocket upgrade',
          content: { 'application/json': { schema: ErrorBody } },
        },
      },
    },
  },
};

const ERROR_REF = /^#\/components\/schemas\/error\.[A-Z_]+$/;

/** Points every error response at ErrorBody, the shape the server really answers with. */
function useErrorBody(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) useErrorBody(item);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (typeof record.$ref === 'string' && ERROR_REF.test(record.$ref))
    record.$ref = '#/components/schemas/ErrorBody';
  for (const child of Object.values(record)) useErrorBody(child);
}

/**
 * trpc-to-openapi hands every operation the same response object per error code (cached across calls,
 * the first description wins): give each operation copies of its own, with the descriptions its
 * procedure's meta gives, so that patching one (the 503 of /ready) changes no other.
 */
function ownErrorResponses(document: OpenAPIObject): void {
  document.paths = JSON.parse(JSON.stringify(document.paths ?? {}));
  for (const { openapi } of REST_OPERATIONS.values()) {
    if (!openapi.errorResponses || Array.isArray(openapi.errorResponses)) continue;
    const responses = operationOf(document, openapi)?.responses;
    for (const [status, description] of Object.entries(openapi.errorResponses)) {
      const response = responses?.[status];
      if (responses && response) responses[status] = { ...response, description };
    }
  }
}

function operationOf(document: OpenAPIObject, openapi: RestMeta['openapi']) {
  return document.paths?.[openapi.path]?.[openapi.method.toLowerCase() as 'get'];
}

/**
 * What the procedures' metadata says about their answers: a fixed `successStatus` (202 for a submit)
 * replaces the generated 200, and `outputStatuses` (the 503 of /ready) answer with the output's schema.
 */
function successResponses(document: OpenAPIObject): void {
  for (const meta of REST_OPERATIONS.values()) {
    const responses = operationOf(document, meta.openapi)?.responses;
    const success = responses?.['200'];
    if (!responses || !success) continue;
    if (typeof meta.successStatus === 'number' && meta.successStatus !== 200) {
      responses[String(meta.successStatus)] = success;
      delete responses['200'];
    }
    for (const status of meta.outputStatuses ?? []) {
      const other = responses[String(status)];
      if (other && 'content' in success) responses[String(status)] = { ...other, content: success.content };
    }
  }
}

/**
 * Operations whose JSON body is one input field (`bodyField`, a signal's payload): the generated body
 * (an object holding that field) becomes the field's own schema, as the REST adapter reads it.
 */
function bodyFieldRequests(document: OpenAPIObject): void {
  for (const meta of REST_OPERATIONS.values()) {
    if (!meta.bodyField) continue;
    const body = operationOf(document, meta.openapi)?.requestBody;
    const json = body && !('$ref' in body) ? body.content['application/json'] : undefined;
    const schema = json?.schema;
    if (!json || !schema || '$ref' in schema) continue;
    const field = schema.properties?.[meta.bodyField] ?? {};
    json.schema = {
      ...field,
      description: `The ${meta.bodyField} itself (any JSON value the operation's description allows)`,
    };
  }
}

/** The OpenAPI 3.1 document: generated from the router, plus the streams, the 202 and ErrorBody. */
export function buildOpenApiDocument(): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: API_TITLE,
    version: API_VERSION,
    description:
      'Typed background tasks on PostgreSQL. REST for any caller; TypeScript callers use tRPC at /trpc ' +
      '(HTTP batching, SSE and WebSocket subscriptions) through @kaygraph/client.',
    baseUrl: '/',
    paths: HAND_WRITTEN_PATHS,
    defs: {
      ErrorBody,
      StatusEvent,
      ProgressEvent,
      WaitingEvent,
      SignalReceivedEvent,
      ChildFinishedEvent,
      TaskStreamDone,
      TaskSocketUpdate,
      TaskSocketError,
      TaskSocketClientMessage,
      GroupEvent,
      MetricsSnapshot,
    },
  });
  ownErrorResponses(document);
  useErrorBody(document.paths);
  successResponses(document);
  bodyFieldRequests(document);
  const schemas = document.components?.schemas;
  if (schemas) {
    for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
  }
  return document;
}
