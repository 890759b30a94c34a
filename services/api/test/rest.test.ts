import { REST_PATHS, type SubmitTaskOutput } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { withRegisteredWorkflows } from '../src/openapi-workflows.ts';
import { useTestServer } from './harness.ts';
import { postJson, requestJson, waitForProgress, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** Every REST path with plain fetch, each answer checked against the OpenAPI document. */
const server = useTestServer();
const document = buildOpenApiDocument();
const check = createOpenApiChecker(document);

/** Calls `path` (with and without the trailing slash) and checks the answer against `template`. */
async function rest(method: string, template: string, path: string, body?: unknown) {
  const answers = [];
  for (const url of [path, path.replace(/(\?|$)/, '/$1')]) {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json; charset=utf-8' };
      init.body = JSON.stringify(body);
    }
    const answer = await requestJson(`${server.url}${url}`, init);
    check(method, template, answer.status, answer.body);
    answers.push(answer);
    if (method !== 'GET') break; // one write per call; the trailing-slash write is its own test
  }
  return answers;
}

function taskIdOf(answer: { body: unknown } | undefined): string {
  if (!answer) throw new Error('no answer');
  return (answer.body as SubmitTaskOutput).task_id;
}

describe('REST', () => {
  test('POST /tasks/ (the spec spelling) answers 202 with task_id, JSON with charset accepted', async () => {
    const answer = await postJson(
      `${server.url}/tasks/`,
      { workflow: 'echo', params: { value: 'hi' } },
      'application/json; charset=utf-8',
    );
    expect(answer.status).toBe(202);
    check('POST', REST_PATHS.tasks, 202, answer.body);
    const { task_id } = answer.body as SubmitTaskOutput;
    expect(answer.headers.get('location')).toBe(`/tasks/${task_id}`);
    expect(await waitForTerminal(server.url, task_id)).toBe('completed');
  });

  test('a completed task: get, progress, result, list, retry refused', async () => {
    const [submitted] = await rest('POST', REST_PATHS.tasks, '/tasks', {
      workflow: 'echo',
      params: { value: 'spec' },
    });
    expect(submitted?.status).toBe(202);
    const taskId = taskIdOf(submitted);
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');

    for (const answer of await rest('GET', REST_PATHS.task, `/tasks/${taskId}`)) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        task_id: taskId,
        workflow: 'echo',
        status: 'completed',
        params: { value: 'spec' },
      });
    }
    for (const answer of await rest('GET', REST_PATHS.taskProgress, `/tasks/${taskId}/progress`)) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ task_id: taskId, status: 'completed', progress: 100 });
    }
    for (const answer of await rest('GET', REST_PATHS.taskResult, `/tasks/${taskId}/result`)) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        task_id: taskId,
        workflow: 'echo',
        status: 'completed',
        result: { value: 'spec' },
        error: null,
      });
    }
    // Naming the workflow the caller expects: the same answer, or a 409 when the task is of another.
    const [named] = await rest('GET', REST_PATHS.taskResult, `/tasks/${taskId}/result?workflow=echo`);
    expect(named?.body).toMatchObject({ workflow: 'echo', result: { value: 'spec' } });
    const [other] = await rest('GET', REST_PATHS.taskResult, `/tasks/${taskId}/result?workflow=steps`);
    expect(other).toMatchObject({
      status: 409,
      body: { code: 'CONFLICT', message: `task ${taskId} is of workflow "echo", not "steps"` },
    });
    for (const answer of await rest('GET', REST_PATHS.tasks, '/tasks?workflow=echo&limit=50')) {
      expect(answer.status).toBe(200);
      expect((answer.body as { items: { task_id: string }[] }).items.map((item) => item.task_id)).toContain(
        taskId,
      );
    }
    const [retry] = await rest('POST', REST_PATHS.taskRetry, `/tasks/${taskId}/retry`);
    expect(retry?.status).toBe(409);
    const [cancel] = await rest('DELETE', REST_PATHS.task, `/tasks/${taskId}/`);
    expect(cancel?.status).toBe(409);
  });

  test('a running task: result not ready (409), cancel (DELETE), then retry (POST .../retry/)', async () => {
    const [submitted] = await rest('POST', REST_PATHS.tasks, '/tasks', {
      workflow: 'steps',
      params: { steps: 200, delay_ms: 50 },
    });
    const taskId = taskIdOf(submitted);
    await waitForProgress(server.url, taskId, (view) => view.status === 'running' && view.progress > 0);

    const [notReady] = await rest('GET', REST_PATHS.taskResult, `/tasks/${taskId}/result`);
    expect(notReady?.status).toBe(409);
    expect(notReady?.body).toMatchObject({ code: 'RESULT_NOT_READY' });

    const [cancelled] = await rest('DELETE', REST_PATHS.task, `/tasks/${taskId}`);
    expect(cancelled?.status).toBe(200);
    expect(await waitForTerminal(server.url, taskId)).toBe('cancelled');
    const [result] = await rest('GET', REST_PATHS.taskResult, `/tasks/${taskId}/result`);
    expect(result?.body).toMatchObject({ status: 'cancelled' });

    const retried = await requestJson(`${server.url}/tasks/${taskId}/retry/`, { method: 'POST' });
    check('POST', REST_PATHS.taskRetry, retried.status, retried.body);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ task_id: taskId });
    await requestJson(`${server.url}/tasks/${taskId}`, { method: 'DELETE' });
    expect(await waitForTerminal(server.url, taskId)).toBe('cancelled');
  });

  test('GET /workflows lists the registered workflows by name with params as JSON Schema', async () => {
    for (const answer of await rest('GET', REST_PATHS.workflows, '/workflows')) {
      expect(answer.status).toBe(200);
      const { workflows } = answer.body as {
        workflows: { name: string; params_schema: { properties?: object } }[];
      };
      expect(workflows.map((workflow) => workflow.name)).toEqual([
        'analyze',
        'approval',
        'echo',
        'keyed_echo',
        'preprocess',
        'rated_echo',
        'report',
        'steps',
      ]);
      const steps = workflows.find((workflow) => workflow.name === 'steps');
      expect(steps?.params_schema.properties).toHaveProperty('steps');
    }
  });

  test('without operations, /metrics and /search answer 503 (as documented)', async () => {
    for (const [template, path] of [
      [REST_PATHS.metrics, '/metrics'],
      [REST_PATHS.search, '/search?query=wal'],
    ] as const) {
      for (const answer of await rest('GET', template, path)) {
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ code: 'UNAVAILABLE' });
      }
    }
  });

  test('GET /health and /ready', async () => {
    for (const answer of await rest('GET', REST_PATHS.health, '/health')) {
      expect(answer.body).toMatchObject({ status: 'ok' });
    }
    for (const answer of await rest('GET', REST_PATHS.ready, '/ready')) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: 'ready', database: true, migrations: true });
    }
  });

  test('GET /openapi.json serves the document with the registered workflows, and /docs the local Swagger UI', async () => {
    const served = await requestJson(`${server.url}/openapi.json`);
    const workflows = await server.system.workflows.list({ workerHosts: false });
    expect(served.body).toEqual(JSON.parse(JSON.stringify(withRegisteredWorkflows(document, workflows))));
    const page = await fetch(`${server.url}/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    const bundle = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });
});
