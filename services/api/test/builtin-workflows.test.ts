import {
  type ScheduleView,
  SearchDocumentsOutput,
  type SubmitTaskOutput,
  type TaskView,
} from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';
import { TrpcSocket } from './trpc-socket.ts';

/**
 * The api over the built-in workflows (@kaygraph/workflows) with operations (keys, limits, metrics,
 * document search) wired in, as `npm start` serves them.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog', operations: {} });
});

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function submitted(body: unknown): Promise<TaskView> {
  const answer = await postJson(`${server.url}/tasks`, body);
  expect(answer.status).toBe(202);
  const { task_id } = answer.body as SubmitTaskOutput;
  const task = await requestJson(`${server.url}/tasks/${task_id}`);
  expect(task.status).toBe(200);
  return task.body as TaskView;
}

describe("POST /tasks without a priority takes the workflow's default", () => {
  const records = [{ value: 1 }, { value: 2 }];

  test('urgent_analysis runs at high priority unless the caller says otherwise', async () => {
    expect((await submitted({ workflow: 'urgent_analysis', params: { records } })).priority).toBe('high');
    expect(
      (await submitted({ workflow: 'urgent_analysis', params: { records }, priority: 'low' })).priority,
    ).toBe('low');
  });

  test('daily_report defaults to low, analyze to normal', async () => {
    expect((await submitted({ workflow: 'daily_report', params: {} })).priority).toBe('low');
    expect((await submitted({ workflow: 'analyze', params: { records } })).priority).toBe('normal');
  });

  test('GET /workflows names the default a submit without priority gets', async () => {
    const answer = await requestJson(`${server.url}/workflows`);
    const workflows = (answer.body as { workflows: { name: string; defaults: { priority: string } }[] })
      .workflows;
    expect(workflows.find((w) => w.name === 'urgent_analysis')?.defaults.priority).toBe('high');
  });
});

describe("POST /schedules without a priority takes the workflow's default, as POST /tasks does", () => {
  async function scheduled(body: Record<string, unknown>): Promise<ScheduleView> {
    const answer = await postJson(`${server.url}/schedules`, { cron: '0 9 * * *', params: {}, ...body });
    expect(answer.status).toBe(200);
    const schedule = answer.body as ScheduleView;
    expect((await requestJson(`${server.url}/schedules/${schedule.schedule_id}`)).body).toMatchObject({
      priority: schedule.priority,
    });
    return schedule;
  }

  test('daily_report schedules at low, urgent_analysis at high, unless the caller says otherwise', async () => {
    expect((await scheduled({ name: 'nightly report', workflow: 'daily_report' })).priority).toBe('low');
    expect((await scheduled({ name: 'urgent', workflow: 'urgent_analysis' })).priority).toBe('high');
    expect(
      (await scheduled({ name: 'report, asked normal', workflow: 'daily_report', priority: 'normal' }))
        .priority,
    ).toBe('normal');
  });

  test("moved to another workflow without a priority, a schedule takes that workflow's default", async () => {
    const schedule = await scheduled({ name: 'report moved', workflow: 'daily_report' });
    const patch = (body: Record<string, unknown>) =>
      requestJson(`${server.url}/schedules/${schedule.schedule_id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const moved = await patch({ workflow: 'urgent_analysis', params: { records: [{ value: 1 }] } });
    expect(moved.status).toBe(200);
    expect((moved.body as ScheduleView).priority).toBe('high');
    // A change that keeps the workflow keeps the priority; one that names a priority gets it.
    expect(((await patch({ cron: '0 10 * * *' })).body as ScheduleView).priority).toBe('high');
    expect(
      ((await patch({ workflow: 'daily_report', params: {}, priority: 'normal' })).body as ScheduleView)
        .priority,
    ).toBe('normal');
  });
});

describe('params a JSON Schema cannot check', () => {
  test('fail the task with the reason in words, naming the field', async () => {
    // preprocess needs records or generate: a rule of its zod schema, checked when the task runs.
    const task = await submitted({ workflow: 'preprocess', params: {} });
    expect(await waitForTerminal(server.url, task.task_id)).toBe('failed');
    const failed = (await requestJson(`${server.url}/tasks/${task.task_id}`)).body as TaskView;
    expect(failed.error).toMatchObject({
      code: 'INVALID_PARAMS',
      message: 'params do not match workflow "preprocess": params.records: give either records or generate',
    });
  });
});

describe('document search (GET /search, tRPC search)', () => {
  const documents = [
    {
      name: 'wal.md',
      content: [
        '# Write-ahead logging',
        'PostgreSQL writes every change to the write-ahead log (WAL) before it changes the data files.',
        'After a crash, the server replays the write-ahead log from the last checkpoint, so committed',
        'transactions survive. fsync makes sure the log reaches the disk before a commit returns.',
      ].join('\n\n'),
    },
    {
      name: 'bread.html',
      content:
        '<html><head><title>Sourdough</title><style>p { color: red }</style></head><body>' +
        '<h1>Sourdough bread</h1><p>Mix flour, water and salt with an active starter. Let the dough ' +
        'rise overnight, shape the loaf, and bake it in a hot oven until the crust is dark brown.</p>' +
        '</body></html>',
    },
  ];

  beforeAll(async () => {
    const answer = await postJson(`${server.url}/tasks`, {
      workflow: 'document_indexing',
      params: { documents, index: 'kb', chunk_size: 200, overlap: 20 },
    });
    expect(answer.status).toBe(202);
    const { task_id } = answer.body as SubmitTaskOutput;
    expect(await waitForTerminal(server.url, task_id)).toBe('completed');
  });

  test('REST: the relevant document ranks first, with scores', async () => {
    const query = new URLSearchParams({
      index: 'kb',
      query: 'how does the write-ahead log survive a crash',
      k: '3',
    });
    const answer = await requestJson(`${server.url}/search?${query}`);
    expect(answer.status).toBe(200);
    const { index, hits } = SearchDocumentsOutput.parse(answer.body);
    expect(index).toBe('kb');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(3);
    expect(hits[0]?.document).toBe('wal.md');
    expect(hits[0]?.content).toMatch(/write-ahead log/i);
    const scores = hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const bread = await requestJson(
      `${server.url}/search/?index=kb&query=${encodeURIComponent('bake a sourdough loaf')}`,
    );
    expect(SearchDocumentsOutput.parse(bread.body).hits[0]?.document).toBe('bread.html');
  });

  test('tRPC: the same ranking', async () => {
    const socket = await TrpcSocket.open(server.wsUrl);
    try {
      const answer = await socket.call('query', 'search', { index: 'kb', query: 'oven crust flour', k: 2 });
      expect(answer.error).toBeUndefined();
      const { hits } = SearchDocumentsOutput.parse(answer.data);
      expect(hits.map((hit) => hit.document)[0]).toBe('bread.html');
    } finally {
      socket.close();
    }
    // tRPC over HTTP, as the typed client sends queries.
    const input = encodeURIComponent(JSON.stringify({ index: 'kb', query: 'WAL checkpoint replay' }));
    const http = await requestJson(`${server.url}/trpc/search?input=${input}`);
    expect(http.status).toBe(200);
    const { hits } = SearchDocumentsOutput.parse((http.body as { result: { data: unknown } }).result.data);
    expect(hits[0]?.document).toBe('wal.md');
  });

  test('an index nobody built answers no hits; bad input is a 400 that names the field', async () => {
    const empty = await requestJson(`${server.url}/search?index=nothing-here&query=wal`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ index: 'nothing-here', hits: [] });
    const noQuery = await requestJson(`${server.url}/search?index=kb`);
    expect(noQuery.status).toBe(400);
    expect(JSON.stringify(noQuery.body)).toMatch(/query/);
    const badK = await requestJson(`${server.url}/search?query=wal&k=500`);
    expect(badK.status).toBe(400);
    expect((badK.body as { issues: { path: string }[] }).issues.map((issue) => issue.path)).toContain('k');
    const badIndex = await requestJson(
      `${server.url}/search?index=${encodeURIComponent('../etc')}&query=wal`,
    );
    expect(badIndex.status).toBe(400);
  });
});

describe('GET /tasks/{task_id}/artifacts/{name}', () => {
  test('serves the CSV a data_processing task stored; unknown names and bad ids are 4xx', async () => {
    const task = await submitted({
      workflow: 'data_processing',
      params: { input: { generate: { rows: 50, seed: 1 } } },
    });
    expect(await waitForTerminal(server.url, task.task_id)).toBe('completed');
    const view = (await requestJson(`${server.url}/tasks/${task.task_id}`)).body as TaskView;
    const listed = view.artifacts.find((a) => a.name === 'summary.csv');
    expect(listed).toMatchObject({ content_type: expect.stringContaining('text/csv') });

    const download = await fetch(`${server.url}/tasks/${task.task_id}/artifacts/summary.csv`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('text/csv');
    const text = await download.text();
    expect(Buffer.byteLength(text)).toBe(listed?.size);
    expect(text.split('\n')[0]).toContain(',');

    const missing = await requestJson(`${server.url}/tasks/${task.task_id}/artifacts/nope.csv`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND' });
    const badId = await requestJson(`${server.url}/tasks/not-a-uuid/artifacts/summary.csv`);
    expect(badId.status).toBe(400);
    const badName = await requestJson(`${server.url}/tasks/${task.task_id}/artifacts/%E0%A4%A`);
    expect(badName.status).toBe(400);
  });
});

describe('params with alternatives (anyOf)', () => {
  test('a value of one alternative names only what is wrong in it; a value of none names the types it may have', async () => {
    const refused = async (input: unknown) => {
      const answer = await postJson(`${server.url}/tasks`, {
        workflow: 'data_processing',
        params: { input },
      });
      expect(answer.status).toBe(400);
      return answer.body as { message: string; issues: { path: string; message: string }[] };
    };
    const generated = await refused({ generate: { rows: 0 } });
    expect(generated.issues).toEqual([{ path: 'params.input.generate.rows', message: 'must be >= 1' }]);
    expect(generated.message).toBe(
      'params do not match workflow "data_processing": params.input.generate.rows: must be >= 1',
    );
    expect((await refused(5)).issues).toEqual([
      { path: 'params.input', message: 'must be array, string or object' },
    ]);
    // Rows of the inline alternative: the row that is wrong, not the other forms input may take.
    expect((await refused([{ amount: 1 }, 'row'])).issues).toEqual([
      { path: 'params.input.1', message: 'must be object' },
    ]);
  });
});

describe('content_review', () => {
  test('an approval with a misspelt field (`notes`) is a 400 naming it, and the task goes on waiting', async () => {
    const { task_id } = await submitted({
      workflow: 'content_review',
      params: { title: 'Launch', points: ['We ship on Monday'], review_seconds: 3600 },
    });
    for (;;) {
      const task = (await requestJson(`${server.url}/tasks/${task_id}`)).body as TaskView;
      if (task.status === 'waiting') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const signal = `${server.url}/tasks/${task_id}/signals/approval`;
    const misspelt = await postJson(signal, { approved: false, notes: 'add the date' });
    expect(misspelt.status).toBe(400);
    expect(misspelt.body).toMatchObject({
      code: 'INVALID_PARAMS',
      issues: [expect.objectContaining({ path: 'payload.notes' })],
    });
    expect(((await requestJson(`${server.url}/tasks/${task_id}`)).body as TaskView).status).toBe('waiting');
    // The document a client generates its types from says so too.
    const served = (await requestJson(`${server.url}/openapi.json`)).body as {
      components: { schemas: Record<string, { additionalProperties?: unknown }> };
    };
    expect(served.components.schemas['WorkflowSignal.content_review.approval']).toMatchObject({
      additionalProperties: false,
    });
    const rejected = await postJson(signal, { approved: false, note: 'add the date' });
    expect(rejected.body).toMatchObject({ taken: 'resumed' });
  });
});
