/**
 * The seeded generator of malformed requests: REST paths, tRPC (single and batch, GET and POST, wrong
 * methods), the SSE streams, the raw and the tRPC WebSocket, and raw TCP for truncated bodies and broken
 * request lines.
 */
import { hostileCase } from './hostile-cases.ts';
import type { Random } from './random.ts';
import { badId, badNumber, badString, wrongValue } from './values.ts';

export type FuzzCase =
  | {
      kind: 'http';
      label: string;
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string;
    }
  | { kind: 'raw'; label: string; data: string }
  | { kind: 'ws'; label: string; path: string; protocols?: string[]; messages: string[] };

export interface FuzzTargets {
  /** A task that exists (completed), so bad input also reaches handlers past the id lookup. */
  taskId: string;
  /** Every operation of the api's OpenAPI document (`/tasks/{task_id}` style paths), and its tRPC path. */
  operations?: { method: string; path: string; procedure?: string }[];
}

/** Percent-encoded, with lone surrogates replaced (encodeURIComponent throws on them). */
const uri = (text: string) => encodeURIComponent(text.toWellFormed());
/** A header value fetch accepts: printable ASCII. */
const headerValue = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');

const SUBMIT_FIELDS = [
  'workflow',
  'params',
  'priority',
  'depends_on',
  'group_id',
  'idempotency_key',
  'max_retries',
  'timeout_seconds',
  'run_at',
] as const;
const QUERIES = [
  'tasks.get',
  'tasks.result',
  'tasks.progress',
  'tasks.list',
  'workflows.list',
  'health',
  'ready',
];
const MUTATIONS = ['tasks.submit', 'tasks.submitMany', 'tasks.cancel', 'tasks.retry'];
const SUBSCRIPTIONS = ['tasks.events', 'tasks.feed'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'get'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
];

function validSubmit(): Record<string, unknown> {
  return { workflow: 'demo', params: { steps: 1, step_ms: 0 }, priority: 'normal' };
}

/** A submit body with one or more fields broken. */
function brokenSubmit(random: Random): unknown {
  const body = validSubmit();
  switch (random.int(0, 6)) {
    case 0:
      body[random.pick(SUBMIT_FIELDS)] = wrongValue(random);
      break;
    case 1:
      body.params = { steps: badNumber(random), step_ms: wrongValue(random) };
      break;
    case 2:
      body.workflow = random.pick(['no_such_workflow', badString(random), 'demo\u0000', 'DEMO']);
      break;
    case 3:
      for (const field of SUBMIT_FIELDS) if (random.chance(0.4)) body[field] = wrongValue(random);
      break;
    case 4:
      body.priority = random.pick(['urgent', 'HIGH', '', 3]);
      body.params = wrongValue(random);
      break;
    case 5: {
      // Text PostgreSQL cannot store, in a param or the idempotency key.
      const unstorable = random.pick(['a\u0000b', 'a\ud800b', '\udfff', '\u0000']);
      if (random.chance(0.5)) body.params = { steps: 1, step_ms: 0, note: unstorable };
      else body.idempotency_key = unstorable;
      break;
    }
    default:
      return wrongValue(random);
  }
  return body;
}

/** Body text: broken JSON more often than not, sometimes valid JSON of the wrong shape. */
function bodyText(random: Random, value: unknown): string {
  const json = JSON.stringify(value) ?? 'undefined';
  switch (random.int(0, 6)) {
    case 0:
      return json.slice(0, random.int(0, Math.max(0, json.length - 1))); // truncated JSON
    case 1:
      return random.pick([
        '',
        '{',
        '}',
        '[',
        'null',
        'undefined',
        '{"a":}',
        "{'single': 'quotes'}",
        '\u0000',
      ]);
    case 2:
      return `${json}${random.pick(['garbage', '}', ',', '\n{"second": true}'])}`;
    default:
      return json;
  }
}

function jsonHeaders(random: Random): Record<string, string> {
  const headers: Record<string, string> = {};
  const type = random.pick(CONTENT_TYPES);
  if (type) headers['content-type'] = type;
  if (random.chance(0.1))
    headers.authorization = random.pick(['Bearer nope', 'Basic Zm9vOmJhcg==', 'Bearer ']);
  if (random.chance(0.05)) headers['x-request-id'] = headerValue(badString(random)).slice(0, 8000);
  return headers;
}

function restCase(random: Random, targets: FuzzTargets): FuzzCase {
  const id = random.chance(0.3) ? targets.taskId : uri(badId(random));
  const choice = random.int(0, 9);
  if (choice <= 3) {
    // POST /tasks with a broken body; now and then a body over the limit.
    const huge = random.chance(0.01);
    const body = huge
      ? JSON.stringify({ ...validSubmit(), params: { pad: 'x'.repeat(1_200_000) } })
      : bodyText(random, brokenSubmit(random));
    return {
      kind: 'http',
      label: 'POST /tasks',
      method: 'POST',
      path: '/tasks',
      headers: jsonHeaders(random),
      body,
    };
  }
  const operations = targets.operations ?? [];
  if (choice >= 8 && operations.length > 0) {
    // Any documented operation, its path parameters filled with good and bad ids, bodies of the wrong shape.
    const op = random.pick(operations);
    const path = op.path.replace(/\{[^}]+\}/g, () =>
      random.chance(0.3) ? targets.taskId : uri(badId(random)),
    );
    const method = random.chance(0.8) ? op.method.toUpperCase() : random.pick(METHODS);
    const body = ['GET', 'HEAD'].includes(method)
      ? undefined
      : bodyText(random, random.chance(0.5) ? brokenSubmit(random) : wrongValue(random));
    return {
      kind: 'http',
      label: `${method} ${op.path}`,
      method,
      path,
      headers: jsonHeaders(random),
      ...(body === undefined ? {} : { body }),
    };
  }
  if (choice === 4) {
    const params = new URLSearchParams();
    for (const key of [
      'status',
      'workflow',
      'limit',
      'cursor',
      'owner',
      'group_id',
      'created_after',
      'sort',
      random.pick(['x', '💥', '']),
    ])
      if (random.chance(0.5)) params.append(key, String(wrongValue(random)).slice(0, 3000));
    return { kind: 'http', label: 'GET /tasks?bad', method: 'GET', path: `/tasks?${params}`, headers: {} };
  }
  const paths = [
    `/tasks/${id}`,
    `/tasks/${id}/result`,
    `/tasks/${id}/progress`,
    `/tasks/${id}/retry`,
    `/tasks/${id}/stream`,
    `/ws/${id}`,
    '/workflows',
    '/health',
    '/ready',
    '/metrics',
    '/openapi.json',
    '/docs',
    '/dashboard/../../package.json',
    `/tasks/${id}/${uri(badString(random).slice(0, 20))}`,
    `/${uri(badString(random).slice(0, 100))}`,
  ];
  const path = random.pick(paths);
  const method = random.pick(METHODS);
  const headers = jsonHeaders(random);
  if (path.endsWith('/stream') && random.chance(0.5))
    headers['last-event-id'] = headerValue(String(wrongValue(random))).slice(0, 100);
  const body = random.chance(0.4) ? bodyText(random, wrongValue(random)) : undefined;
  return {
    kind: 'http',
    label: `${method} ${path.split('/').slice(0, 2).join('/')}`,
    method,
    path,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

function trpcInput(random: Random, targets: FuzzTargets, path: string): unknown {
  if (random.chance(0.3)) return wrongValue(random);
  if (path === 'tasks.submit') return brokenSubmit(random);
  if (path === 'tasks.submitMany')
    return { tasks: Array.from({ length: random.int(0, 3) }, () => brokenSubmit(random)) };
  if (path === 'tasks.list')
    return { [random.pick(['status', 'limit', 'cursor', 'workflow'])]: wrongValue(random) };
  return { task_id: random.chance(0.3) ? targets.taskId : badId(random), lastEventId: wrongValue(random) };
}

function trpcCase(random: Random, targets: FuzzTargets): FuzzCase {
  const documented = (targets.operations ?? []).flatMap((op) => (op.procedure ? [op.procedure] : []));
  const all = [
    ...QUERIES,
    ...MUTATIONS,
    ...SUBSCRIPTIONS,
    ...documented,
    'tasks.nope',
    'nope',
    '',
    'tasks',
    '__proto__',
  ];
  const batch = random.chance(0.35);
  const paths = Array.from({ length: batch ? random.int(1, 60) : 1 }, () => random.pick(all));
  const inputs = paths.map((path) => trpcInput(random, targets, path));
  const method = random.chance(0.1) ? random.pick(METHODS) : random.pick(['GET', 'POST']);
  const joined = paths.join(',');
  const value = batch ? Object.fromEntries(inputs.map((input, i) => [String(i), input])) : inputs[0];
  const query = batch ? '?batch=1' : '';
  if (method === 'GET') {
    const input = random.chance(0.2) ? badString(random) : JSON.stringify(value);
    return {
      kind: 'http',
      label: `GET /trpc${batch ? ' batch' : ''}`,
      method,
      path: `/trpc/${joined}${query}${query ? '&' : '?'}input=${uri(input ?? '')}`,
      headers: {},
    };
  }
  return {
    kind: 'http',
    label: `${method} /trpc${batch ? ' batch' : ''}`,
    method,
    path: `/trpc/${joined}${query}`,
    headers: jsonHeaders(random),
    body: bodyText(random, value),
  };
}

function socketCase(random: Random, targets: FuzzTargets): FuzzCase {
  const messages = Array.from({ length: random.int(0, 4) }, () =>
    random.chance(0.5)
      ? bodyText(random, wrongValue(random))
      : JSON.stringify({ type: random.pick(['cancel', 'CANCEL', 'subscribe', 1]) }),
  );
  if (random.chance(0.5)) {
    const id = random.chance(0.4) ? targets.taskId : uri(badId(random));
    const query = random.chance(0.4) ? `?last_event_id=${uri(String(wrongValue(random)).slice(0, 50))}` : '';
    return { kind: 'ws', label: 'WS /ws/{id}', path: `/ws/${id}${query}`, messages };
  }
  // tRPC over WebSocket: JSON-RPC-ish messages with bad ids, methods, paths and inputs.
  const trpcMessages = Array.from({ length: random.int(1, 4) }, () => {
    const path = random.pick([...QUERIES, ...MUTATIONS, ...SUBSCRIPTIONS, 'nope']);
    const message = {
      id: random.chance(0.8) ? random.int(1, 1000) : wrongValue(random),
      method: random.chance(0.8)
        ? random.pick(['query', 'mutation', 'subscription', 'subscription.stop'])
        : wrongValue(random),
      params: random.chance(0.85) ? { path, input: trpcInput(random, targets, path) } : wrongValue(random),
    };
    return bodyText(random, message);
  });
  const path = random.pick(['/trpc', '/trpc/', '/trpc?connectionParams=1', '/nope']);
  return { kind: 'ws', label: `WS ${path.slice(0, 5)}`, path, messages: [...trpcMessages, ...messages] };
}

function rawCase(random: Random, targets: FuzzTargets): FuzzCase {
  const body = JSON.stringify(validSubmit());
  switch (random.int(0, 3)) {
    case 0: {
      // Content-Length promises more than is sent, then the client half-closes.
      const cut = body.slice(0, random.int(0, body.length - 1));
      return {
        kind: 'raw',
        label: 'truncated POST /tasks',
        data: `POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${cut}`,
      };
    }
    case 1: {
      const path = random.pick(['/tasks', `/trpc/tasks.submit`, `/tasks/${targets.taskId}/retry`]);
      return {
        kind: 'raw',
        label: 'truncated chunked body',
        data: `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${(body.length).toString(16)}\r\n${body.slice(0, 10)}`,
      };
    }
    case 2:
      return {
        kind: 'raw',
        label: 'broken request line',
        data: random.pick([
          'GARBAGE\r\n\r\n',
          'GET /tasks HTTP/9.9\r\n\r\n',
          'GET  HTTP/1.1\r\nHost: x\r\n\r\n',
          `GET /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
          `POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        ]),
      };
    default:
      return {
        kind: 'raw',
        label: 'bad header bytes',
        data: `GET /tasks/${targets.taskId} HTTP/1.1\r\nHost: x\r\nX-Bad: \u0001\u007f\r\n\r\n`,
      };
  }
}

/** The i-th case of a run is drawn from `random`: same seed, same sequence. */
export function nextCase(random: Random, targets: FuzzTargets): FuzzCase {
  const roll = random.next();
  if (roll < 0.05) return hostileCase(random, targets);
  if (roll < 0.45) return restCase(random, targets);
  if (roll < 0.75) return trpcCase(random, targets);
  if (roll < 0.92) return socketCase(random, targets);
  return rawCase(random, targets);
}
