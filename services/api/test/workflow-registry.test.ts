import SwaggerParser from '@apidevtools/swagger-parser';
import { ErrorBody, type ListWorkflowsOutput, REST_PATHS } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { catalog } from './fixtures/catalog.ts';
import { fixtureCatalogModule, useTestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * The api knows workflows only by what workers registered: before any worker it lists none and refuses
 * every submit; once a worker registered the fixture catalog it lists exactly those workflows and
 * validates params against their registered JSON Schema.
 */
const server = useTestServer({ worker: false, publish: false });
/** What the worker registers: the fixture catalog's workflows, listed by name. */
const fixtureNames = catalog
  .list()
  .map((workflow) => workflow.name)
  .sort();
const check = createOpenApiChecker(buildOpenApiDocument());

async function listed(): Promise<ListWorkflowsOutput> {
  const rest = await requestJson(`${server.url}/workflows`);
  check('GET', REST_PATHS.workflows, rest.status, rest.body);
  const trpc = await requestJson(`${server.url}/trpc/workflows.list`);
  const viaTrpc = (trpc.body as { result: { data: ListWorkflowsOutput } }).result.data;
  expect(viaTrpc).toEqual(rest.body);
  return rest.body as ListWorkflowsOutput;
}

async function refused(body: unknown) {
  const answer = await postJson(`${server.url}/tasks`, body);
  check('POST', REST_PATHS.tasks, answer.status, answer.body);
  return { status: answer.status, body: ErrorBody.parse(answer.body) };
}

describe('workflows registered by workers', () => {
  test('before any worker registered: none listed, and a submit is a 400 saying so, storing nothing', async () => {
    expect((await listed()).workflows).toEqual([]);
    const document = await requestJson(`${server.url}/openapi.json`);
    expect(JSON.stringify(document.body)).not.toContain('WorkflowParams.');
    const answer = await refused({ workflow: 'echo', params: { value: 'x' } });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe(
      'no worker has registered workflow "echo"; registered workflows: (none)',
    );
    expect(answer.body.issues).toEqual([{ path: 'workflow', message: answer.body.message }]);
    expect(await server.countTasks()).toBe(0);
  });

  test('a worker registers its catalog: exactly its workflows are listed, each with its live worker', async () => {
    const worker = await server.system.startWorker({ concurrency: 1, workflowsModule: fixtureCatalogModule });
    const { workflows } = await listed();
    expect(workflows.map((workflow) => workflow.name)).toEqual(fixtureNames);
    const steps = workflows.find((workflow) => workflow.name === 'steps');
    expect(steps?.params_schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      properties: { steps: { type: 'integer', minimum: 1, maximum: 200, default: 3 } },
    });
    expect(steps?.version).toMatch(/^[0-9a-f]{16}$/);
    expect(steps?.versions).toEqual([
      expect.objectContaining({
        version: steps?.version,
        current: true,
        unfinished_tasks: 0,
        workers: [expect.objectContaining({ id: worker.workerId, pid: process.pid })],
      }),
    ]);
  });

  test('params that break the registered schema are a 400 naming the field; nothing is stored', async () => {
    const cases: [unknown, string][] = [
      [{ workflow: 'steps', params: { steps: 0 } }, 'params.steps'],
      [{ workflow: 'steps', params: { steps: 'three' } }, 'params.steps'],
      [{ workflow: 'echo', params: {} }, 'params.value'],
      [{ workflow: 'echo', params: { value: 7 } }, 'params.value'],
    ];
    for (const [body, field] of cases) {
      const answer = await refused(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toBe('INVALID_PARAMS');
      expect(answer.body.issues?.map((issue) => issue.path)).toContain(field);
      expect(answer.body.message).toContain(field);
    }
    const batch = await postJson(`${server.url}/trpc/tasks.submitMany`, {
      tasks: [
        { workflow: 'echo', params: { value: 'ok' } },
        { workflow: 'steps', params: { steps: 500 } },
      ],
    });
    expect(batch.status).toBe(400);
    expect(JSON.stringify(batch.body)).toContain('tasks.1.params.steps');
    expect(await server.countTasks()).toBe(0);
  });

  test('the served OpenAPI document carries the registered params schemas and stays valid OpenAPI 3.1', async () => {
    const answer = await requestJson(`${server.url}/openapi.json`);
    const document = answer.body as {
      components: { schemas: Record<string, unknown> };
      paths: {
        '/tasks': { post: { description: string } };
        '/tasks/{task_id}/signals/{name}': {
          post: {
            description: string;
            requestBody: { content: { 'application/json': { schema: unknown } } };
          };
        };
      };
    };
    expect(document.components.schemas['WorkflowParams.steps']).toMatchObject({
      properties: { steps: { type: 'integer', minimum: 1 } },
    });
    expect(document.paths['/tasks'].post.description).toContain(fixtureNames.join(', '));
    expect(document.components.schemas['WorkflowSignal.approval.approval']).toMatchObject({
      properties: { approved: { type: 'boolean' } },
    });
    const signal = document.paths['/tasks/{task_id}/signals/{name}'].post;
    expect(signal.requestBody.content['application/json'].schema).toMatchObject({
      oneOf: expect.arrayContaining([{ $ref: '#/components/schemas/WorkflowSignal.approval.approval' }]),
    });
    expect(signal.description).toContain('approval: approval');
    await expect(SwaggerParser.validate(document as never)).resolves.toBeTruthy();
  });

  test('valid params are stored with the schema defaults and the version, and the task runs', async () => {
    const answer = await postJson(`${server.url}/tasks`, { workflow: 'steps', params: { steps: 2 } });
    expect(answer.status).toBe(202);
    const { task_id } = answer.body as { task_id: string };
    const task = await requestJson(`${server.url}/tasks/${task_id}`);
    const view = task.body as { params: unknown; workflow_version: string };
    expect(view.params).toEqual({ steps: 2, delay_ms: 20, fail: false, fail_attempts: 0 });
    const listed = (await server.system.workflows.list({ workerHosts: true })).find(
      (workflow) => workflow.name === 'steps',
    );
    expect(view.workflow_version).toBe(listed?.version);
    expect(await waitForTerminal(server.url, task_id)).toBe('completed');
  });
});
