import { ReadyOutput } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { createTestDatabase, openDatabaseDoor, testServerUrl } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import { capturingLogger } from '@kaygraph/tasks/testing';
import pino from 'pino';
import { expect, test } from 'vitest';
import { describeError } from '../src/errors.ts';
import { createApiOperations } from '../src/operations.ts';
import { createApiServer } from '../src/server.ts';
import { startTestServer } from './harness.ts';
import { postJson, requestJson } from './http-helpers.ts';

test('with the database unreachable, requests answer 503 UNAVAILABLE with Retry-After, logged under their request id, the cause once per outage', async () => {
  const { logger, lines } = capturingLogger();
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({ databaseUrl: door.url, logger: pino({ level: 'silent' }) });
  await using operations = createApiOperations({ databaseUrl: door.url, logger, feed: system.events });
  await using server = await createApiServer({
    workflows: system.workflows,
    ready: () => system.ready(),
    logger,
    port: 0,
    ...operations.serverOptions(system.tasks),
  });
  expect((await requestJson(`${server.url}/tasks`)).status).toBe(200);

  door.shut();
  const rest = await requestJson(`${server.url}/tasks`, { headers: { 'x-request-id': 'during-outage-1' } });
  expect(rest.status).toBe(503);
  expect(rest.body).toEqual({
    code: 'UNAVAILABLE',
    message: expect.stringContaining('database'),
    retry_after_seconds: 5,
  });
  expect(rest.headers.get('retry-after')).toBe('5');
  const trpc = await requestJson(`${server.url}/trpc/tasks.list?input=${encodeURIComponent('{}')}`, {
    headers: { 'x-request-id': 'during-outage-2' },
  });
  expect(trpc.status).toBe(503);
  expect(trpc.headers.get('retry-after')).toBe('5');
  // A tRPC client sees no headers through its link: the hint is in the error body too.
  expect(trpc.body).toMatchObject({
    error: {
      data: {
        code: 'SERVICE_UNAVAILABLE',
        httpStatus: 503,
        errorBody: { code: 'UNAVAILABLE', retry_after_seconds: 5 },
      },
    },
  });
  // An operator finds the outage's cause from the first failed request's id; each request's own line says
  // it answered 503.
  expect(lines.find((line) => line.msg === 'REST request failed')).toMatchObject({
    level: 50,
    req_id: 'during-outage-1',
    err: { message: expect.stringMatching(/ECONNRESET|ECONNREFUSED|terminated|closed/i) },
  });
  expect(
    lines.find((line) => line.req_id === 'during-outage-2' && line.msg === 'request failed'),
  ).toMatchObject({
    level: 40,
    res: { status: 503 },
  });
  // Every request fails the same way while the database is away: one error line for the outage, not one
  // (with its stack) per request.
  for (let i = 0; i < 20; i++) expect((await requestJson(`${server.url}/tasks`)).status).toBe(503);
  expect(lines.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual(['REST request failed']);

  door.open();
  expect((await requestJson(`${server.url}/tasks`)).status).toBe(200);
});

test('/ready during an outage: not ready, the database unreachable, the migrations not known (null)', async () => {
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({ databaseUrl: door.url, logger: pino({ level: 'silent' }) });
  await using server = await createApiServer({
    tasks: system.tasks,
    workflows: system.workflows,
    ready: () => system.ready(),
    logger: pino({ level: 'silent' }),
    port: 0,
  });
  expect(await requestJson(`${server.url}/ready`)).toMatchObject({
    status: 200,
    body: { status: 'ready', database: true, migrations: true },
  });

  door.shut();
  const down = await requestJson(`${server.url}/ready`);
  expect(down.status).toBe(503);
  // Unreachable says nothing of the migrations: false would send an operator to apply them.
  expect(down.body).toEqual({ status: 'not_ready', database: false, migrations: null });
  expect(ReadyOutput.parse(down.body)).toEqual(down.body);

  door.open();
  expect((await requestJson(`${server.url}/ready`)).body).toMatchObject({
    status: 'ready',
    migrations: true,
  });
});

test('with the api’s own statement timeout off, the operator’s statement_timeout applies: a statement it cancels (behind a lock on tasks) is a 503 too, an error line each', async () => {
  const { logger, lines } = capturingLogger();
  await using database = await createTestDatabase();
  await using holder = connect(database.url, { max: 1 });
  await holder.sql.unsafe(`alter database "${database.name}" set statement_timeout = '300ms'`);
  await using system = await createTaskSystem({
    databaseUrl: database.url,
    logger: pino({ level: 'silent' }),
    statementTimeoutSeconds: 0,
  });
  await using operations = createApiOperations({
    databaseUrl: database.url,
    logger,
    feed: system.events,
    statementTimeoutSeconds: 0,
  });
  await using server = await createApiServer({
    workflows: system.workflows,
    ready: () => system.ready(),
    logger,
    port: 0,
    ...operations.serverOptions(system.tasks),
  });
  expect((await requestJson(`${server.url}/tasks`)).status).toBe(200);

  await holder.sql.begin(async (tx) => {
    await tx.unsafe('set local statement_timeout = 0');
    await tx.unsafe('lock table tasks in access exclusive mode');
    for (const id of ['blocked-1', 'blocked-2']) {
      const blocked = await requestJson(`${server.url}/tasks`, { headers: { 'x-request-id': id } });
      expect(blocked.status).toBe(503);
      expect(blocked.body).toMatchObject({ code: 'UNAVAILABLE' });
      expect(blocked.headers.get('retry-after')).toBe('5');
    }
  });
  expect((await requestJson(`${server.url}/tasks`)).status).toBe(200);
  // Each request held up is its own error line: a timeout is not an outage whose repeats go to debug.
  expect(
    lines.filter((line) => line.level >= 50).map((line) => ({ req_id: line.req_id, msg: line.msg })),
  ).toEqual([
    { req_id: 'blocked-1', msg: 'REST request failed' },
    { req_id: 'blocked-2', msg: 'REST request failed' },
  ]);
});

test('a database that turns sessions away (ALLOW_CONNECTIONS false) is a 503 on every surface, until it takes them again', async () => {
  await using server = await startTestServer({ worker: false, operations: {} });
  const name = new URL(server.databaseUrl).pathname.slice(1);
  await using admin = connect(testServerUrl(), { max: 1 });
  const allowConnections = (allow: boolean) =>
    admin.sql.unsafe(`alter database "${name}" allow_connections ${allow}`);
  const submit = { workflow: 'echo', params: { value: 'x' }, priority: 'normal' };
  expect((await postJson(`${server.url}/tasks`, submit)).status).toBe(202);

  await allowConnections(false);
  try {
    // What the operator does next: every session of the api ends; new ones are refused (SQLSTATE 55000).
    await admin.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`;
    const answers = {
      'GET /tasks': await requestJson(`${server.url}/tasks`),
      'POST /tasks': await postJson(`${server.url}/tasks`, submit),
      'GET /workflows': await requestJson(`${server.url}/workflows`),
      'GET /groups': await requestJson(`${server.url}/groups`),
      'POST /schedules': await postJson(`${server.url}/schedules`, {
        name: 'nightly',
        cron: '0 9 * * *',
        workflow: 'echo',
        params: { value: 'x' },
      }),
      'GET /metrics': await requestJson(`${server.url}/metrics`),
    };
    for (const [route, answer] of Object.entries(answers)) {
      expect({ route, status: answer.status, body: answer.body }).toEqual({
        route,
        status: 503,
        body: { code: 'UNAVAILABLE', message: expect.stringContaining('database'), retry_after_seconds: 5 },
      });
      expect(answer.headers.get('retry-after')).toBe('5');
    }
  } finally {
    await allowConnections(true);
  }
  // A connection attempt begun while sessions were refused may still fail the next request: the api
  // answers again as soon as the pool has reconnected.
  await expect
    .poll(async () => (await requestJson(`${server.url}/tasks`)).status, { timeout: 15_000, interval: 100 })
    .toBe(200);
});

test('a query cut off by this api closing its pool (a request in flight at shutdown) is a 503 too', () => {
  for (const code of ['CONNECTION_ENDED', 'CONNECTION_DESTROYED']) {
    const closing = Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code });
    expect(describeError(new Error('the query failed', { cause: closing }))).toMatchObject({
      httpStatus: 503,
      body: { code: 'UNAVAILABLE' },
      retryAfterSeconds: 5,
    });
  }
});
