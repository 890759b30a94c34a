import {
  ChildFinishedEvent,
  DEFAULT_MAX_BATCH_SIZE,
  ErrorBody,
  GroupEvent,
  LogEvent,
  MetricsSnapshot,
  ProgressEvent,
  SERVICE_NAME,
  SignalReceivedEvent,
  StatusEvent,
  TaskSocketClientMessage,
  TaskSocketError,
  TaskSocketUpdate,
  TaskStreamDone,
  WaitingEvent,
} from '@kaygraph/contracts';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import packageJson from '../package.json' with { type: 'json' };
import { HAND_WRITTEN_PATHS, HAND_WRITTEN_TRAITS } from './openapi-hand-written.ts';
import {
  type Operation,
  type OperationTraits,
  RESPONSE_HEADERS,
  setErrorAnswers,
  traits,
} from './openapi-statuses.ts';
import { type RestMeta, readsJsonBody } from './rest-meta.ts';
import { REST_OPERATIONS } from './rest-operations.ts';
import { appRouter } from './router.ts';

/** The api package's version, also reported by /health. */
export const API_VERSION = packageJson.version;

function operationOf(document: OpenAPIObject, openapi: RestMeta['openapi']) {
  return document.paths?.[openapi.path]?.[openapi.method.toLowerCase() as 'get'];
}

/** What a REST operation's metadata and method say about it (openapi-statuses.ts turns it into answers). */
function restTraits(meta: RestMeta, operation: Operation): OperationTraits {
  const body = readsJsonBody(meta.openapi.method);
  return traits({
    input: body || (operation.parameters?.length ?? 0) > 0,
    body,
    key: meta.openapi.protect !== false,
    admin: meta.adminOnly === true,
    database: meta.database !== false,
    rateLimited: meta.rateLimited === true,
    queues: meta.queuesTasks === true,
  });
}

function ownErrors(meta: RestMeta): Record<number, string> {
  const own = meta.openapi.errorResponses;
  return own && !Array.isArray(own) ? own : {};
}

/**
 * Every operation's error answers: those that follow from what it is (its traits) and those it
 * documents itself (a REST procedure's `errorResponses`, a hand-written route's error responses).
 */
function errorAnswers(document: OpenAPIObject): void {
  for (const [procedure, meta] of REST_OPERATIONS) {
    const operation = operationOf(document, meta.openapi);
    if (!operation)
      throw new Error(`${procedure}: ${meta.openapi.method} ${meta.openapi.path} is not documented`);
    setErrorAnswers(procedure, operation, restTraits(meta, operation), ownErrors(meta), meta.outputStatuses);
  }
  for (const [path, item] of Object.entries(HAND_WRITTEN_PATHS)) {
    for (const method of Object.keys(item)) {
      const operation = document.paths?.[path]?.[method as 'get'];
      const operationTraits = HAND_WRITTEN_TRAITS[operation?.operationId ?? ''];
      if (!operation || !operationTraits)
        throw new Error(`${method} ${path}: no traits in HAND_WRITTEN_TRAITS`);
      const ownResponses = Object.entries(operation.responses ?? {}).filter(
        ([status]) => Number(status) >= 400,
      );
      const own = ownResponses.map(([status, response]) => [
        Number(status),
        'description' in response ? response.description : '',
      ]);
      setErrorAnswers(`${method} ${path}`, operation, operationTraits, Object.fromEntries(own));
      // A route's own error answer keeps the headers it declares (a 416's Content-Range).
      for (const [status, response] of ownResponses) {
        const answer = operation.responses?.[status];
        if ('headers' in response && response.headers && answer && 'description' in answer)
          answer.headers = { ...answer.headers, ...response.headers };
      }
    }
  }
}

/**
 * What the procedures' metadata says about their answers: a fixed `successStatus` (202 for a submit)
 * replaces the generated 200, `location` is its Location header, and `outputStatuses` (the 503 of
 * /ready) answer with the output's schema.
 */
function successResponses(document: OpenAPIObject): void {
  for (const meta of REST_OPERATIONS.values()) {
    const responses = operationOf(document, meta.openapi)?.responses;
    const success = responses?.['200'];
    if (!responses || !success || '$ref' in success) continue;
    if (meta.location) {
      success.headers = {
        Location: {
          description: `Where the new resource is: \`${meta.location}\``,
          required: true,
          schema: { type: 'string' },
        },
      };
    }
    if (typeof meta.successStatus === 'number' && meta.successStatus !== 200) {
      responses[String(meta.successStatus)] = success;
      delete responses['200'];
    }
    for (const status of meta.outputStatuses ?? []) {
      const description = ownErrors(meta)[status] ?? success.description;
      responses[String(status)] = { description, content: success.content };
    }
  }
}

/**
 * The body field MAX_BATCH_SIZE bounds (`batchField`), as this server is configured: tasks per call
 * (maxItems: more is a 400), or a count per call (its default; a larger count is taken as MAX_BATCH_SIZE,
 * so no `maximum`, which would declare it invalid).
 */
function batchLimits(document: OpenAPIObject, maxBatchSize: number): void {
  for (const [procedure, meta] of REST_OPERATIONS) {
    if (!meta.batchField) continue;
    const schema = jsonBodyOf(operationOf(document, meta.openapi))?.schema;
    const field = schema && !('$ref' in schema) ? schema.properties?.[meta.batchField] : undefined;
    if (!field || '$ref' in field) throw new Error(`${procedure}: no body field ${meta.batchField}`);
    if (field.type === 'array') {
      field.maxItems = maxBatchSize;
      field.description = `At most MAX_BATCH_SIZE (${maxBatchSize}) per call; a larger batch is a 400: split it.`;
    } else {
      field.default = maxBatchSize;
      field.description = `At most MAX_BATCH_SIZE (${maxBatchSize}), also the default (a larger limit takes ${maxBatchSize}): call again for the rest.`;
    }
  }
}

/** Request body examples from the procedures' metadata (`example`). */
function requestExamples(document: OpenAPIObject): void {
  for (const meta of REST_OPERATIONS.values()) {
    const json = jsonBodyOf(operationOf(document, meta.openapi));
    if (json && meta.example !== undefined) json.example = meta.example;
  }
}

function jsonBodyOf(operation: Operation | undefined) {
  const body = operation?.requestBody;
  return body && !('$ref' in body) ? body.content['application/json'] : undefined;
}

/**
 * Operations whose JSON body is one input field (`bodyField`, a signal's payload): the generated body
 * (an object holding that field) becomes the field's own schema, as the REST adapter reads it.
 */
function bodyFieldRequests(document: OpenAPIObject): void {
  for (const meta of REST_OPERATIONS.values()) {
    if (!meta.bodyField) continue;
    const json = jsonBodyOf(operationOf(document, meta.openapi));
    const schema = json?.schema;
    if (!json || !schema || '$ref' in schema) continue;
    const field = schema.properties?.[meta.bodyField] ?? {};
    json.schema = {
      ...field,
      description: `The ${meta.bodyField} itself (any JSON value the operation's description allows)`,
    };
  }
}

type Parameter = Extract<NonNullable<Operation['parameters']>[number], { in: string }>;

/** An optional header parameter for a body field: the field's description says what the header means. */
function headerParameter(
  header: string,
  fieldSchema: NonNullable<Parameter['schema']>,
  note = '',
): Parameter {
  const { description, ...schema } =
    '$ref' in fieldSchema ? { ...fieldSchema, description: undefined } : fieldSchema;
  const text = [description, note].filter(Boolean).join(' ');
  return { name: header, in: 'header', required: false, schema, ...(text ? { description: text } : {}) };
}

/**
 * Input fields REST reads from request headers: each becomes an optional header parameter with the
 * field's generated schema. A `headerFields` field leaves the JSON body; a `headerAlternatives` field
 * stays in it, and the parameter and the field both say that either may give it.
 */
function headerFieldParameters(document: OpenAPIObject): void {
  for (const [procedure, meta] of REST_OPERATIONS) {
    const moved = Object.entries(meta.headerFields ?? {});
    const alternatives = Object.entries(meta.headerAlternatives ?? {});
    if (moved.length === 0 && alternatives.length === 0) continue;
    const operation = operationOf(document, meta.openapi);
    const schema = jsonBodyOf(operation)?.schema;
    if (!operation || !schema || '$ref' in schema)
      throw new Error(`${procedure}: no JSON body to read headers beside`);
    const fieldSchemaOf = (header: string, field: string) => {
      const fieldSchema = schema.properties?.[field];
      if (!fieldSchema) throw new Error(`${procedure}: no body field ${field} for the ${header} header`);
      return fieldSchema;
    };
    const parameters: Parameter[] = [];
    for (const [header, field] of moved) {
      parameters.push(headerParameter(header, fieldSchemaOf(header, field)));
      delete schema.properties?.[field];
      schema.required = schema.required?.filter((name) => name !== field);
    }
    for (const [header, field] of alternatives) {
      const fieldSchema = fieldSchemaOf(header, field);
      const either = `the \`${header}\` header or the body's \`${field}\`; both only with the same value (else a 400).`;
      parameters.push(headerParameter(header, fieldSchema, `Give it in ${either}`));
      if (!('$ref' in fieldSchema))
        fieldSchema.description = [fieldSchema.description, `Give it in ${either}`].filter(Boolean).join(' ');
    }
    operation.parameters = [...(operation.parameters ?? []), ...parameters];
  }
}

export interface OpenApiDocumentOptions {
  /** MAX_BATCH_SIZE as this server runs with it (default: the environment's default). */
  maxBatchSize?: number;
}

/**
 * The OpenAPI 3.1 document: generated from the router, plus the hand-written routes, every operation's
 * error answers and their headers, the 202 and its Location, ErrorBody, and this server's batch limit.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenAPIObject {
  const generated = generateOpenApiDocument(appRouter, {
    title: SERVICE_NAME,
    version: API_VERSION,
    description:
      'Typed background tasks on PostgreSQL. REST for any caller; TypeScript callers use tRPC at /trpc ' +
      '(HTTP batching, SSE and WebSocket subscriptions) through @kaygraph/client. Requests carry only what ' +
      'an operation declares: an unknown field in a JSON body (or in a WebSocket message) and an unknown ' +
      'query parameter are a 400 naming it, as is an integer query value not written in decimal digits ' +
      '(`limit=0x10`, `1e1`) and a value outside its enum; path parameters are not repeated in the body. ' +
      'An empty query value (`?limit=`) is a parameter not given. A 401 carries `WWW-Authenticate: Bearer`. ' +
      'Web pages on other origins call it when the CORS_ORIGINS setting lists theirs (CORS on every HTTP ' +
      'route; their WebSockets are refused otherwise); an EventSource or a WebSocket, which cannot send ' +
      'headers, passes the key as `?api_key=`.',
    baseUrl: '/',
    paths: HAND_WRITTEN_PATHS,
    defs: {
      ErrorBody,
      StatusEvent,
      ProgressEvent,
      LogEvent,
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
  // trpc-to-openapi shares response objects between operations: patch a copy of its own.
  const document: OpenAPIObject = JSON.parse(JSON.stringify(generated));
  errorAnswers(document);
  successResponses(document);
  headerFieldParameters(document);
  bodyFieldRequests(document);
  batchLimits(document, options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
  requestExamples(document);
  const components = document.components ?? {};
  components.headers = structuredClone(RESPONSE_HEADERS) as never;
  // The generator's own error shapes: no answer refers to them any more.
  for (const name of Object.keys(components.schemas ?? {}))
    if (name.startsWith('error.')) delete components.schemas?.[name];
  document.components = components;
  return document;
}
