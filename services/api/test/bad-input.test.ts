import { ErrorBody } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** Refused input: always a 4xx ErrorBody that names the problem, and nothing stored. */
const server = useTestServer({ worker: false });
const check = createOpenApiChecker(buildOpenApiDocument());
const missingTask = '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60';

async function call(method: string, path: string, init: { body?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.contentType) headers['content-type'] = init.contentType;
  const response = await fetch(`${server.url}${path}`, { method, headers, body: init.body });
  const text = await response.text();
  const body: unknown = JSON.parse(text);
  return { status: response.status, body: ErrorBody.parse(body), headers: response.headers };
}

const submit = (body: unknown) =>
  call('POST', '/tasks', { body: JSON.stringify(body), contentType: 'application/json' });

describe('bad input on POST /tasks', () => {
  test('malformed JSON is a 400 that says so', async () => {
    const answer = await call('POST', '/tasks', {
      body: '{"workflow": "steps",',
      contentType: 'application/json',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/malformed JSON/);
  });

  test('a body that is not JSON is refused', async () => {
    const answer = await call('POST', '/tasks', { body: 'workflow=steps', contentType: 'text/plain' });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/application\/json/);
  });

  test('wrong types are 400s with the failing fields', async () => {
    const cases: [unknown, string][] = [
      [{ workflow: 5 }, 'workflow'],
      [{}, 'workflow'],
      [{ workflow: 'steps', priority: 'urgent' }, 'priority'],
      [{ workflow: 'steps', params: 'x' }, 'params'],
      [{ workflow: 'steps', depends_on: ['nope'] }, 'depends_on.0'],
      [{ workflow: 'steps', run_at: 'tomorrow' }, 'run_at'],
      [{ workflow: 'steps', timeout_seconds: 100_000 }, 'timeout_seconds'],
      // The key space of the tasks cron schedules fire: a client's task there would take an occurrence's place.
      [{ workflow: 'steps', idempotency_key: 'schedule:nightly' }, 'idempotency_key'],
    ];
    for (const [body, field] of cases) {
      const answer = await submit(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.issues?.map((issue) => issue.path)).toContain(field);
      expect(answer.body.message).toContain(field);
      check('POST', '/tasks', 400, answer.body);
    }
  });

  test('a missing field is a 400 saying it is required, as a missing param is (no "received undefined")', async () => {
    for (const [path, body, field] of [
      ['/tasks', {}, 'workflow'],
      ['/tasks', { params: { steps: 1 } }, 'workflow'],
      ['/schedules', { workflow: 'steps' }, 'cron'],
      ['/groups', { tasks: [{ params: {} }] }, 'tasks.0.workflow'],
    ] as const) {
      const answer = await call('POST', path, {
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
      expect(answer.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.body.issues).toContainEqual({ path: field, message: 'required' });
      expect(answer.body.message).toContain(`${field}: required`);
    }
    const empty = await call('POST', '/tasks', { body: '', contentType: 'application/json' });
    expect(empty.body.issues).toEqual([{ path: 'workflow', message: 'required' }]);
  });

  test("a run_at without a time zone (Python's isoformat() of a naive datetime) is a 400 saying to add one", async () => {
    for (const runAt of ['2030-01-01T09:00:00', '2030-01-01T09:00:00.123456']) {
      const answer = await submit({ workflow: 'steps', run_at: runAt });
      expect(answer.status, runAt).toBe(400);
      expect(answer.body.issues).toEqual([{ path: 'run_at', message: expect.stringContaining('time zone') }]);
      expect(answer.body.message).toContain('2030-01-01T09:00:00Z');
      check('POST', '/tasks', 400, answer.body);
    }
  });

  test('an id that is not a UUID is named by its own field', async () => {
    const group = await submit({ workflow: 'steps', group_id: 'xyz' });
    expect(group.status).toBe(400);
    expect(group.body.message).toContain('group_id: group_id must be a UUID');
    const schedule = await call('GET', '/tasks?schedule_id=bad');
    expect(schedule.status).toBe(400);
    expect(schedule.body.message).toContain('schedule_id: schedule_id must be a UUID');
  });

  test('numbers sent as strings or booleans stay wrong, over REST and tRPC alike, however often REST is called', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const asString = await submit({ workflow: 'steps', max_retries: '3' });
      expect(asString.status).toBe(400);
      expect(asString.body.issues?.map((issue) => issue.path)).toEqual(['max_retries']);
      const asBoolean = await submit({ workflow: 'steps', timeout_seconds: true });
      expect(asBoolean.status).toBe(400);
    }
    const overTrpc = await fetch(`${server.url}/trpc/tasks.submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'steps', max_retries: '3' }),
    });
    expect(overTrpc.status).toBe(400);
  });

  test('an unknown workflow is a 4xx naming it', async () => {
    const answer = await submit({ workflow: 'no_such_workflow' });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.message).toContain('no_such_workflow');
  });

  test("params failing the workflow's schema are a 400 naming the param", async () => {
    const answer = await submit({ workflow: 'steps', params: { steps: 'many' } });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('steps');
  });

  test('JSON PostgreSQL cannot store (NUL, an unpaired surrogate, a number out of range) is a 400 naming the field, nothing stored', async () => {
    for (const text of ['"a\\u0000b"', '"a\\ud800b"', '1e400']) {
      const body = `{"workflow": "echo", "params": {"value": ${text}}}`;
      const answer = await call('POST', '/tasks', { body, contentType: 'application/json' });
      expect(answer.status, text).toBe(400);
      expect(JSON.stringify(answer.body)).toContain('params');
      expect(answer.body.message).toContain('PostgreSQL cannot store');
    }
    const listed = await call('GET', '/tasks?owner=%00x');
    expect(listed.status).toBe(400);
    expect(listed.body.message).toContain('owner');
  });

  test('an oversized body is a 413 that states the limit', async () => {
    const big = JSON.stringify({ workflow: 'echo', params: { value: 'x'.repeat(2 * 1024 * 1024) } });
    const answer = await call('POST', '/tasks', { body: big, contentType: 'application/json' });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(answer.body.message).toContain('1048576');
  });
});

describe('bad ids and routes', () => {
  test('a task id that is not a UUID is a 400 on every task path, naming task_id alike', async () => {
    const refusal = {
      code: 'BAD_REQUEST',
      message: 'invalid input: task_id: task_id must be a UUID',
      issues: [{ path: 'task_id', message: 'task_id must be a UUID' }],
    };
    for (const [method, path] of [
      ['GET', '/tasks/not-a-uuid'],
      ['GET', '/tasks/not-a-uuid/result'],
      ['GET', '/tasks/not-a-uuid/progress'],
      ['DELETE', '/tasks/not-a-uuid'],
      ['POST', '/tasks/not-a-uuid/retry'],
      ['GET', '/tasks/not-a-uuid/stream'],
      ['GET', '/tasks/not-a-uuid/artifacts/summary.csv'],
    ] as const) {
      const answer = await call(method, path);
      expect({ route: `${method} ${path}`, status: answer.status, body: answer.body }).toEqual({
        route: `${method} ${path}`,
        status: 400,
        body: refusal,
      });
    }
    // A group id likewise, on its REST route and its event stream.
    for (const path of ['/groups/nope', '/groups/nope/stream']) {
      expect((await call('GET', path)).body.issues).toEqual([
        { path: 'group_id', message: 'group_id must be a UUID' },
      ]);
    }
  });

  test('an unknown task is a 404', async () => {
    for (const [method, path] of [
      ['GET', `/tasks/${missingTask}`],
      ['GET', `/tasks/${missingTask}/result`],
      ['GET', `/tasks/${missingTask}/progress`],
      ['DELETE', `/tasks/${missingTask}`],
      ['POST', `/tasks/${missingTask}/retry`],
      ['GET', `/tasks/${missingTask}/stream`],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.code).toBe('NOT_FOUND');
    }
  });

  test('a bad list filter is a 400', async () => {
    const answer = await call('GET', '/tasks?status=sleeping&limit=5000');
    expect(answer.status).toBe(400);
    expect(answer.body.issues?.map((issue) => issue.path).sort()).toEqual(['limit', 'status']);
  });

  test('an unknown path is a JSON 404 and a wrong method a 405 with Allow', async () => {
    const missing = await call('GET', '/nothing/here');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const wrong = await call('PUT', '/tasks');
    expect(wrong.status).toBe(405);
    expect(wrong.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  test('a doubled "/" (a base URL ending in "/" joined with "/tasks") is a 404 naming the path as sent', async () => {
    const listed = await call('GET', '//tasks');
    expect(listed.status).toBe(404);
    expect(listed.body.message).toBe('no route GET //tasks (a doubled "/" in the path?)');
    // Not read as a host (`//localhost`) followed by a path that another operation answers.
    const submitted = await call('POST', '//localhost/tasks', {
      body: JSON.stringify({ workflow: 'steps' }),
      contentType: 'application/json',
    });
    expect(submitted.status).toBe(404);
    expect(submitted.body.message).toBe('no route POST //localhost/tasks (a doubled "/" in the path?)');
  });

  test('HEAD answers what GET would, without a body, on the event streams and the task socket too', async () => {
    for (const path of [
      '/health',
      '/tasks',
      '/openapi.json',
      '/docs',
      `/tasks/${missingTask}`,
      `/tasks/${missingTask}/stream`,
      `/groups/${missingTask}/stream`,
      `/ws/${missingTask}`,
    ]) {
      const [head, get] = [
        await fetch(`${server.url}${path}`, { method: 'HEAD' }),
        await fetch(`${server.url}${path}`),
      ];
      expect({ path, status: head.status, body: await head.text() }).toEqual({
        path,
        status: get.status,
        body: '',
      });
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      await get.text();
    }
  });

  test('a WebSocket upgrade on another path is refused with 404', async () => {
    const socket = new WebSocket(`${server.wsUrl}/nothing`);
    const status = await new Promise<number | undefined>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.on('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  test('the raw WebSocket refuses a bad id with an error message and close code 4400', async () => {
    const socket = new WebSocket(`${server.wsUrl}/ws/not-a-uuid`);
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    const code = await new Promise<number>((resolve) =>
      socket.on('close', (closeCode) => resolve(closeCode)),
    );
    expect(code).toBe(4400);
    expect(messages).toEqual([
      {
        task_id: 'not-a-uuid',
        error: expect.objectContaining({
          code: 'BAD_REQUEST',
          issues: [{ path: 'task_id', message: 'task_id must be a UUID' }],
        }),
      },
    ]);
  });
});

describe('tRPC limits', () => {
  test('a batch larger than MAX_BATCH_SIZE is refused with a message naming the limit', async () => {
    const paths = Array.from({ length: 51 }, () => 'health').join(',');
    const input = encodeURIComponent(
      JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [i, {}]))),
    );
    const response = await fetch(`${server.url}/trpc/${paths}?batch=1&input=${input}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /Batch call exceeds maximum size: send fewer calls per batch \(MAX_BATCH_SIZE\)/,
    );
  });

  test('an oversized tRPC body is a 413 that names the limit', async () => {
    const big = JSON.stringify({ 0: { workflow: 'echo', params: { value: 'x'.repeat(2 * 1024 * 1024) } } });
    const response = await fetch(`${server.url}/trpc/tasks.submit?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(response.status).toBe(413);
    // What a client's TRPCClientError says (its message, and errorBody), not tRPC's bare code.
    const [answer] = (await response.json()) as {
      error: { message: string; data: { errorBody: unknown } };
    }[];
    const said = {
      code: 'PAYLOAD_TOO_LARGE',
      message:
        "request body exceeds the api's limit (BODY_LIMIT_BYTES): send less, or split a batch over several calls",
    };
    expect(answer?.error.message).toBe(said.message);
    expect(answer?.error.data.errorBody).toEqual(said);
  });
});

test('none of the refused requests stored a task', async () => {
  expect(await server.countTasks()).toBe(0);
});

describe('query strings and path params', () => {
  test('an empty value is a parameter not given; one given twice is a 400 naming it', async () => {
    const empty = await fetch(`${server.url}/tasks?limit=&status=`);
    expect(empty.status).toBe(200);
    const twice = await call('GET', '/tasks?limit=2&limit=3');
    expect(twice.status).toBe(400);
    expect(twice.body.message).toBe('limit: given more than once; it takes one value');
  });

  test('path params are percent-decoded', async () => {
    // `%36` is `6`: the unknown task's id, so a 404 rather than a 400 for a malformed id.
    const encoded = await call('GET', `/tasks/%36${missingTask.slice(1)}`);
    expect(encoded.status).toBe(404);
    expect(encoded.body.code).toBe('NOT_FOUND');
    const malformed = await call('GET', '/tasks/%E0%A4%A');
    expect(malformed.status).toBe(400);
  });

  test('keys named like Object.prototype members are plain unknown keys', async () => {
    const answer = await call('GET', '/tasks?constructor=x&__proto__=y&toString=z&limit=5');
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toEqual(
      ['constructor', '__proto__', 'toString'].map((path) => ({ path, message: 'unknown query parameter' })),
    );
    expect((await fetch(`${server.url}/tasks?limit=5`)).status).toBe(200);
  });
});
