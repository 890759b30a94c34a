import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { createTestDatabase, openDatabaseDoor } from '@kaygraph/db/testing';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { readSse, waitForTerminal } from './http-helpers.ts';
import {
  checkHeaders,
  checkRequestBody,
  createOpenApiChecker,
  createServedChecker,
} from './openapi-check.ts';

/**
 * The committed document against the server, operation by operation: what the server answers under a
 * condition (a body over the limit, another method, no key, a key that is not an admin's, a spent rate
 * limit, a full queue, the database away) is documented for that operation with the headers it sends,
 * and what the document promises under that condition is what the server answers.
 */

const document = buildOpenApiDocument();
const check = createOpenApiChecker(document);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface DocumentedOperation {
  id: string;
  method: string;
  path: string;
}

const operations: DocumentedOperation[] = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  METHODS.flatMap((method) => {
    const operation = item?.[method];
    return operation ? [{ id: operation.operationId ?? '', method: method.toUpperCase(), path }] : [];
  }),
);

function responseOf(operation: DocumentedOperation, status: number) {
  const documented = document.paths?.[operation.path]?.[operation.method.toLowerCase() as 'get'];
  const response = documented?.responses?.[String(status)];
  return response && 'description' in response ? response : undefined;
}

interface Ids {
  task: string;
  group: string;
  schedule: string;
  deadLetter: string;
}

const unknownIds = (): Ids => ({
  task: randomUUID(),
  group: randomUUID(),
  schedule: randomUUID(),
  deadLetter: randomUUID(),
});

const oneTask = { workflow: 'steps', params: { steps: 1, delay_ms: 0 } };
const later = '2100-01-01T00:00:00Z';

/** A request each operation takes as valid input, so that the condition under test decides its answer. */
const REQUESTS: Record<string, (ids: Ids) => { url: string; body?: unknown }> = {
  'tasks-submit': () => ({ url: '/tasks', body: oneTask }),
  'tasks-submitMany': () => ({ url: '/tasks/batch', body: { tasks: [oneTask] } }),
  'tasks-list': () => ({ url: '/tasks?owner=someone-else' }),
  'tasks-get': ({ task }) => ({ url: `/tasks/${task}` }),
  'tasks-cancel': ({ task }) => ({ url: `/tasks/${task}` }),
  'tasks-result': ({ task }) => ({ url: `/tasks/${task}/result` }),
  'tasks-progress': ({ task }) => ({ url: `/tasks/${task}/progress` }),
  'tasks-retry': ({ task }) => ({ url: `/tasks/${task}/retry`, body: {} }),
  'tasks-promote': ({ task }) => ({ url: `/tasks/${task}/promote`, body: {} }),
  'tasks-signal': ({ task }) => ({ url: `/tasks/${task}/signals/approval`, body: { approved: true } }),
  'tasks-streamToken': ({ task }) => ({ url: `/tasks/${task}/stream-token`, body: {} }),
  'tasks-cancelQueued': () => ({ url: '/tasks/cancel-queued', body: { workflow: 'steps' } }),
  // Neither removes what later operations of a sweep act on (its dead letter, its cancelled task).
  'tasks-remove': () => ({ url: `/tasks/${randomUUID()}/remove`, body: {} }),
  'tasks-clean': () => ({ url: '/tasks/clean', body: { finished_before: '2000-01-01T00:00:00Z' } }),
  'workflows-list': () => ({ url: '/workflows' }),
  'workflows-moveTasks': () => ({ url: '/workflows/steps/versions/retired/move-tasks', body: {} }),
  'workflows-pause': () => ({ url: '/workflows/approval/pause', body: {} }),
  'workflows-resume': () => ({ url: '/workflows/approval/resume', body: {} }),
  'groups-create': () => ({ url: '/groups', body: { name: 'batch', tasks: [oneTask] } }),
  'groups-list': () => ({ url: '/groups' }),
  'groups-addTasks': ({ group }) => ({ url: `/groups/${group}/tasks`, body: { tasks: [oneTask] } }),
  'groups-execute': ({ group }) => ({ url: `/groups/${group}/execute`, body: {} }),
  'groups-get': ({ group }) => ({ url: `/groups/${group}` }),
  'groups-streamToken': ({ group }) => ({ url: `/groups/${group}/stream-token`, body: {} }),
  'groups-cancel': ({ group }) => ({ url: `/groups/${group}` }),
  'schedules-list': () => ({ url: '/schedules' }),
  'schedules-create': () => ({ url: '/schedules', body: { cron: '0 3 * * *', workflow: 'steps' } }),
  'schedules-get': ({ schedule }) => ({ url: `/schedules/${schedule}` }),
  'schedules-update': ({ schedule }) => ({ url: `/schedules/${schedule}`, body: { enabled: false } }),
  'schedules-delete': ({ schedule }) => ({ url: `/schedules/${schedule}` }),
  'schedules-pause': ({ schedule }) => ({ url: `/schedules/${schedule}/pause`, body: {} }),
  'schedules-resume': ({ schedule }) => ({ url: `/schedules/${schedule}/resume`, body: {} }),
  'deadLetters-list': () => ({ url: '/dead-letters' }),
  'deadLetters-redrive': ({ deadLetter }) => ({ url: `/dead-letters/${deadLetter}/redrive`, body: {} }),
  'deadLetters-redriveAll': () => ({ url: '/dead-letters/redrive', body: {} }),
  'deadLetters-purge': ({ deadLetter }) => ({ url: `/dead-letters/${deadLetter}` }),
  'keys-create': () => ({ url: '/keys', body: { name: 'another' } }),
  'keys-list': () => ({ url: '/keys' }),
  'keys-revoke': () => ({ url: '/keys/no-such-key' }),
  index: () => ({ url: '/' }),
  health: () => ({ url: '/health' }),
  ready: () => ({ url: '/ready' }),
  search: () => ({ url: '/search?index=docs&query=postgres' }),
  'tasks-stream': ({ task }) => ({ url: `/tasks/${task}/stream` }),
  'tasks-artifact': ({ task }) => ({ url: `/tasks/${task}/artifacts/report.csv` }),
  'groups-stream': ({ group }) => ({ url: `/groups/${group}/stream` }),
  metrics: () => ({ url: '/metrics?format=prometheus' }),
  'tasks-socket': ({ task }) => ({ url: `/ws/${task}` }),
};

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One HTTP request as sent (node:http: a GET may carry a body too), its answer read whole. */
function send(
  base: string,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        let body: unknown = text;
        if (text && res.headers['content-type']?.startsWith('application/json')) body = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: answerHeaders, body });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Every documented operation called once, in the document's order, with `ids` and `headers`. */
async function sweep(
  base: string,
  ids: Ids,
  headers: Record<string, string> = {},
): Promise<Map<DocumentedOperation, Answer>> {
  const answers = new Map<DocumentedOperation, Answer>();
  for (const operation of operations) {
    const made = REQUESTS[operation.id]?.(ids);
    if (!made) throw new Error(`no request for ${operation.id}: add one to REQUESTS`);
    const body = made.body === undefined ? undefined : JSON.stringify(made.body);
    answers.set(operation, await send(base, operation.method, made.url, { headers, body }));
  }
  return answers;
}

const named = (operation: DocumentedOperation) => `${operation.method} ${operation.path}`;

/**
 * The operations that answered `status` (and `code`, when given) against those the document gives it
 * (whose description names `code`, or says `why` when the code has several causes); each such answer's
 * body and headers as the document says.
 */
function compare(answers: Map<DocumentedOperation, Answer>, status: number, code?: string, why?: RegExp) {
  const answered: string[] = [];
  const documented: string[] = [];
  for (const [operation, answer] of answers) {
    const response = responseOf(operation, status);
    const says = (description: string) => (why ? why.test(description) : !code || description.includes(code));
    if (response && says(response.description)) documented.push(named(operation));
    const body = answer.body as { code?: string } | undefined;
    if (answer.status !== status || (code && body?.code !== code)) continue;
    answered.push(named(operation));
    if (response) {
      check(operation.method, operation.path, status, answer.body);
      checkHeaders(document, operation.method, operation.path, status, answer.headers);
    }
  }
  return { answered, documented };
}

test('the requests of this file cover every operation of the document', () => {
  expect(operations.map((operation) => operation.id).sort()).toEqual(Object.keys(REQUESTS).sort());
});

describe('answers before any procedure runs', () => {
  test('every operation that reads a body answers 413 past BODY_LIMIT_BYTES, and only those document it', async () => {
    await using server = await startTestServer({ worker: false, bodyLimitBytes: 1024, operations: {} });
    const oversized = JSON.stringify({ padding: 'x'.repeat(2048) });
    const answers = new Map<DocumentedOperation, Answer>();
    for (const operation of operations) {
      const { url } = REQUESTS[operation.id]?.(unknownIds()) ?? { url: '' };
      answers.set(operation, await send(server.url, operation.method, url, { body: oversized }));
    }
    const { answered, documented } = compare(answers, 413, 'PAYLOAD_TOO_LARGE');
    expect(answered).toContain('POST /schedules');
    expect(answered).toContain('PATCH /schedules/{schedule_id}');
    expect(answered).toContain('POST /tasks/{task_id}/retry');
    expect(documented).toEqual(answered);
  });

  test("every path answers another method with 405 and an Allow of the document's methods, as it declares", async () => {
    await using server = await startTestServer({ worker: false, operations: {} });
    const matches = (url: string) => (operation: DocumentedOperation) =>
      new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url);
    for (const path of Object.keys(document.paths ?? {})) {
      const onPath = operations.filter((operation) => operation.path === path);
      const made = REQUESTS[onPath[0]?.id ?? '']?.(unknownIds());
      const url = made?.url.split('?')[0] ?? '';
      const answer = await send(server.url, 'PUT', url);
      expect(answer.status, `PUT ${path}`).toBe(405);
      const allowed = (answer.headers.get('allow') ?? '').split(', ').filter((method) => method !== 'HEAD');
      // Every documented path the URL fits (`/dead-letters/redrive` fits `/dead-letters/{task_id}` too).
      const documented = new Set(operations.filter(matches(url)).map((operation) => operation.method));
      expect(allowed.sort(), `Allow of ${url}`).toEqual([...documented].sort());
      for (const operation of onPath) {
        check(operation.method, path, 405, answer.body);
        checkHeaders(document, operation.method, path, 405, answer.headers);
      }
    }
  });

  test('every GET path lists HEAD in its Allow and answers HEAD as it answers GET, without a body', async () => {
    await using server = await startTestServer({ worker: false, operations: {} });
    for (const operation of operations.filter(({ method }) => method === 'GET')) {
      const { url } = REQUESTS[operation.id]?.(unknownIds()) ?? { url: '' };
      const refused = await send(server.url, 'PUT', url.split('?')[0] ?? '');
      expect(refused.headers.get('allow')?.split(', '), `Allow of ${operation.path}`).toContain('HEAD');
      const [head, get] = [await send(server.url, 'HEAD', url), await send(server.url, 'GET', url)];
      const seen = (answer: Answer) => ({ status: answer.status, type: answer.headers.get('content-type') });
      expect({ ...seen(head), body: head.body }, `HEAD ${operation.path}`).toEqual({
        ...seen(get),
        body: '',
      });
    }
  });
});

describe('keys', () => {
  test('without a key, the operations answering 401 are those that document it, with its headers', async () => {
    await using server = await startTestServer({ worker: false, operations: { authRequired: true } });
    const { answered, documented } = compare(await sweep(server.url, unknownIds()), 401, 'UNAUTHORIZED');
    expect(answered.length).toBeGreaterThan(30);
    expect(documented).toEqual(answered);
  });

  test('past the failed authentications of an address, the operations answering 429 are those that document it, with Retry-After', async () => {
    await using server = await startTestServer({
      worker: false,
      operations: { authRequired: true, failedAuthLimit: { perMinute: 0.001, burst: 1 } },
    });
    const unknownKey = bearer('kg_no-such-key');
    expect((await send(server.url, 'GET', '/tasks', { headers: unknownKey })).status).toBe(401);
    const { answered, documented } = compare(
      await sweep(server.url, unknownIds(), unknownKey),
      429,
      'RATE_LIMITED',
      /RATE_LIMITED: too many requests with an unknown or revoked API key from this client address/,
    );
    expect(answered.length).toBeGreaterThan(30);
    expect(documented).toEqual(answered);
  });

  test("with a key that is not an admin's, the operations answering 403 are those that document it", async () => {
    await using server = await startTestServer({ worker: false, operations: { authRequired: true } });
    await using keys = openKeyStore(server.databaseUrl);
    const { key } = await keys.create('someone');
    const { answered, documented } = compare(
      await sweep(server.url, unknownIds(), bearer(key)),
      403,
      'FORBIDDEN',
    );
    expect(answered).toEqual(expect.arrayContaining(['POST /keys', 'GET /tasks', 'GET /metrics']));
    expect(documented).toEqual(answered);
  });
});

/** Polls (no time limits: the behaviour decides) until the task is failed and in the dead-letter queue. */
async function failedAndDeadLettered(base: string, headers: Record<string, string>): Promise<string> {
  const submitted = await send(base, 'POST', '/tasks', {
    headers,
    body: JSON.stringify({ workflow: 'steps', params: { steps: 1, delay_ms: 0, fail: true } }),
  });
  expect(submitted.status).toBe(202);
  checkHeaders(document, 'POST', '/tasks', 202, submitted.headers);
  expect(submitted.headers.get('location')).toMatch(/^\/tasks\/[0-9a-f-]{36}$/);
  const taskId = (submitted.body as { task_id: string }).task_id;
  for (;;) {
    const listed = await send(base, 'GET', '/dead-letters', { headers });
    const items = (listed.body as { items: { task_id: string }[] }).items;
    if (items.some((item) => item.task_id === taskId)) return taskId;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('the operations answering 429 RATE_LIMITED or QUEUE_FULL are those whose 429 names it, with Retry-After as declared', async () => {
  await using server = await startTestServer({
    maxQueueSize: 2,
    // No open subscription for anyone: the streams answer their 429 too.
    subscriptionCaps: { perConnection: 100, perKey: 0 },
    // One submission per key, and none back within the test.
    operations: { rateLimit: { perMinute: 0.001, burst: 1 } },
  });
  await using keys = openKeyStore(server.databaseUrl);
  const limited = bearer((await keys.create('limited')).key);
  const unlimited = bearer((await keys.create('queued', { rateLimitPerMinute: 0 })).key);

  // The limited key spends its one submission on a task that fails: its dead letter can be redriven.
  const spentOn = await failedAndDeadLettered(server.url, limited);
  const rate = compare(
    await sweep(server.url, { ...unknownIds(), task: spentOn, deadLetter: spentOn }, limited),
    429,
    'RATE_LIMITED',
    /RATE_LIMITED: (past the key's rate limit|the key holds too many open subscriptions)/,
  );
  expect(rate.answered).toEqual(
    expect.arrayContaining([
      'POST /tasks',
      'POST /dead-letters/redrive',
      'POST /tasks/{task_id}/signals/{name}',
    ]),
  );
  expect(rate.documented).toEqual(rate.answered);

  // The other key's queue: a dead letter, a cancelled task, a group to add to, then full of scheduled tasks.
  const deadLetter = await failedAndDeadLettered(server.url, unlimited);
  const submitLater = async () =>
    (
      (
        await send(server.url, 'POST', '/tasks', {
          headers: unlimited,
          body: JSON.stringify({ ...oneTask, run_at: later }),
        })
      ).body as { task_id: string }
    ).task_id;
  const cancelled = await submitLater();
  expect((await send(server.url, 'DELETE', `/tasks/${cancelled}`, { headers: unlimited })).status).toBe(200);
  const group = await send(server.url, 'POST', '/groups', {
    headers: unlimited,
    body: JSON.stringify({ name: 'held', tasks: [] }),
  });
  await submitLater();
  await submitLater();
  const queue = compare(
    await sweep(
      server.url,
      { ...unknownIds(), task: cancelled, deadLetter, group: (group.body as { group_id: string }).group_id },
      unlimited,
    ),
    429,
    'QUEUE_FULL',
  );
  expect(queue.answered).toEqual(expect.arrayContaining(['POST /tasks', 'POST /tasks/{task_id}/retry']));
  expect(queue.documented).toEqual(queue.answered);
});

test('with the database away, the operations answering 503 are those that document it, with Retry-After as declared', async () => {
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using server = await startTestServer({ databaseUrl: door.url, worker: false, operations: {} });
  door.shut();
  const answers = await sweep(server.url, unknownIds());
  door.open();
  const { answered, documented } = compare(answers, 503);
  expect(answered.length).toBeGreaterThan(30);
  expect(documented).toEqual(answered);
  // The database's 503 says when to come back; /ready's is its not_ready body, /health needs no database.
  const submit = [...answers].find(([operation]) => operation.id === 'tasks-submit')?.[1];
  expect(submit?.headers.get('retry-after')).toBe('5');
  expect(answered).toContain('GET /ready');
  expect(answered).not.toContain('GET /health');
});

test('the served document states the MAX_BATCH_SIZE the server enforces, and its POST /tasks example is accepted', async () => {
  await using server = await startTestServer({
    workflowsModule: '@kaygraph/workflows/catalog',
    maxBatchSize: 2,
  });
  const served = (await send(server.url, 'GET', '/openapi.json')).body as typeof document;
  const bodySchema = (path: string) => {
    const body = served.paths?.[path]?.post?.requestBody;
    const schema = body && 'content' in body ? body.content['application/json']?.schema : undefined;
    return schema && 'properties' in schema ? (schema.properties ?? {}) : {};
  };
  expect(bodySchema('/groups').tasks).toMatchObject({ maxItems: 2 });
  expect(bodySchema('/groups/{group_id}/tasks').tasks).toMatchObject({ maxItems: 2 });
  expect(bodySchema('/dead-letters/redrive').limit).toMatchObject({ default: 2 });

  const demo = { workflow: 'demo', params: { steps: 1, step_ms: 0 } };
  const over = await send(server.url, 'POST', '/groups', {
    body: JSON.stringify({ name: 'three', tasks: [demo, demo, demo] }),
  });
  expect(over.status).toBe(400);
  expect((over.body as { message: string }).message).toContain('at most 2 (MAX_BATCH_SIZE)');
  const within = await send(server.url, 'POST', '/groups', {
    body: JSON.stringify({ name: 'two', tasks: [demo, demo] }),
  });
  expect(within.status).toBe(200);

  // Three dead letters: a redrive without a limit takes the documented default, MAX_BATCH_SIZE.
  const failing = { workflow: 'demo', params: { steps: 1, step_ms: 0, fail_attempts: 1 }, max_retries: 0 };
  for (let n = 0; n < 3; n++) {
    expect((await send(server.url, 'POST', '/tasks', { body: JSON.stringify(failing) })).status).toBe(202);
  }
  for (;;) {
    const listed = await send(server.url, 'GET', '/dead-letters');
    if ((listed.body as { items: unknown[] }).items.length === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const redriven = await send(server.url, 'POST', '/dead-letters/redrive', { body: '{}' });
  // The third is left for the next call, and the answer says so.
  expect(redriven.body).toMatchObject({ redriven: 2, has_more: true });
  // A larger limit is taken as MAX_BATCH_SIZE, not refused: the document's schema accepts it too.
  const larger = { limit: 3 };
  checkRequestBody(served, 'POST', '/dead-letters/redrive', larger);
  const redrivenAgain = await send(server.url, 'POST', '/dead-letters/redrive', {
    body: JSON.stringify(larger),
  });
  expect(redrivenAgain.status).toBe(200);
  expect(redrivenAgain.body).toMatchObject({ redriven: 1, has_more: false });

  // The committed document's example is a call the built-in workflows take.
  const example = document.paths?.['/tasks']?.post?.requestBody;
  const json = example && 'content' in example ? example.content['application/json'] : undefined;
  expect(json?.example).toMatchObject({ workflow: 'demo' });
  const submitted = await send(server.url, 'POST', '/tasks', { body: JSON.stringify(json?.example) });
  expect(submitted.status).toBe(202);
  check('POST', '/tasks', 202, submitted.body);
  checkHeaders(document, 'POST', '/tasks', 202, submitted.headers);
});

test('the served document describes each built-in workflow, and a completed task of each answers the result its WorkflowResult component describes', async () => {
  await using server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
  const served = (await send(server.url, 'GET', '/openapi.json')).body as typeof document;
  const schemas = (served.components?.schemas ?? {}) as Record<string, { description?: string }>;
  const listed = (await send(server.url, 'GET', '/workflows')).body as {
    workflows: { name: string; description: string }[];
  };
  for (const workflow of listed.workflows)
    expect(schemas[`WorkflowParams.${workflow.name}`]?.description, workflow.name).toBe(workflow.description);

  // Params as a client reads them off the document; results as it would type them from it.
  const calls: Record<string, unknown> = {
    demo: { steps: 1, step_ms: 0, result: { any: ['json'] } },
    daily_report: {},
    process_item: { item: { text: 'WAL and MVCC', amount: 2 } },
    preprocess: { generate: { rows: 5 } },
    analyze: { records: [{ region: 'eu', amount: 3 }], group_by: ['region'] },
    data_processing: { input: { generate: { rows: 50 } } },
    document_indexing: { documents: [{ name: 'a.md', content: '# Postgres\nWAL and MVCC' }] },
    model_training: { dataset: { generate: { rows: 40 } }, epochs: 1 },
  };
  const checkServed = createServedChecker(served);
  for (const [workflow, params] of Object.entries(calls)) {
    checkRequestBody(served, 'POST', '/tasks', { workflow, params });
    const submitted = await send(server.url, 'POST', '/tasks', {
      body: JSON.stringify({ workflow, params }),
    });
    expect(submitted.status, workflow).toBe(202);
    const taskId = (submitted.body as { task_id: string }).task_id;
    expect(await waitForTerminal(server.url, taskId), workflow).toBe('completed');
    const answer = await send(server.url, 'GET', `/tasks/${taskId}/result`);
    check('GET', '/tasks/{task_id}/result', 200, answer.body);
    checkServed(`WorkflowResult.${workflow}`, (answer.body as { result: unknown }).result);
  }
});

/** The component of each `event:` of GET /tasks/{task_id}/stream, as the operation's description names them. */
const SSE_COMPONENTS: Record<string, string> = {
  status: 'StatusEvent',
  progress: 'ProgressEvent',
  log: 'LogEvent',
  waiting: 'WaitingEvent',
  signal_received: 'SignalReceivedEvent',
  child_finished: 'ChildFinishedEvent',
  done: 'TaskStreamDone',
};

test('every SSE event and raw WebSocket message of tasks that wait, resume and run children matches the component the document names', async () => {
  await using server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
  const component = createServedChecker(document);
  const schemas = document.components?.schemas ?? {};
  const submitted = async (body: unknown) => {
    const answer = await send(server.url, 'POST', '/tasks', { body: JSON.stringify(body) });
    expect(answer.status).toBe(202);
    return (answer.body as { task_id: string }).task_id;
  };
  const review = await submitted({ workflow: 'content_review', params: { title: 'T', points: ['p'] } });
  while (
    ((await send(server.url, 'GET', `/tasks/${review}`)).body as { status: string }).status !== 'waiting'
  )
    await new Promise((resolve) => setTimeout(resolve, 25));
  const signal = `/tasks/${review}/signals/approval`;
  expect((await send(server.url, 'POST', signal, { body: '{"approved": true}' })).status).toBe(200);
  const partitioned = await submitted({
    workflow: 'data_processing',
    params: { input: { generate: { rows: 200 } }, partitions: 2 },
  });

  const seen = new Set<string>();
  for (const taskId of [review, partitioned]) {
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
    const stream = await fetch(`${server.url}/tasks/${taskId}/stream`);
    if (!stream.body) throw new Error('no body');
    for await (const message of readSse(stream.body)) {
      if (!message.event) continue;
      const name = SSE_COMPONENTS[message.event];
      if (!name) throw new Error(`the stream sent an undocumented event: ${message.event}`);
      const data: unknown = JSON.parse(message.data ?? '');
      // Both of the component's forms, when the document has an Output one (what the server sends).
      for (const form of [name, `${name}Output`]) if (schemas[form]) component(form, data);
      seen.add(message.event);
    }
    const socket = new WebSocket(`${server.wsUrl}/ws/${taskId}`);
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
      socket.on('close', resolve);
      socket.on('error', reject);
    });
    for (const message of messages) {
      if (message.done === true) component('TaskStreamDone', message);
      else if (typeof message.type === 'string') component(SSE_COMPONENTS[message.type] ?? 'none', message);
      else component('TaskSocketUpdate', message);
    }
  }
  expect([...seen].sort()).toEqual(
    ['child_finished', 'done', 'progress', 'signal_received', 'status', 'waiting'].sort(),
  );
});
