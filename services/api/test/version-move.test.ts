import { ErrorBody, type ListWorkflowsOutput, REST_PATHS, type TaskView } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { catalog } from './fixtures/catalog.ts';
import { startTestServer } from './harness.ts';
import { postJson, requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** POST /workflows/{name}/versions/{version}/move-tasks over REST, as an operator upgrading one box sees it. */
const check = createOpenApiChecker(buildOpenApiDocument());

async function stepsVersions(base: string) {
  const listed = (await requestJson(`${base}/workflows`)).body as ListWorkflowsOutput;
  return listed.workflows.find((workflow) => workflow.name === 'steps')?.versions ?? [];
}

test("an upgraded workflow's stranded tasks move to the current version; the current one and unknown ones refuse", async () => {
  // As start.ts wires it: with no key yet, the local caller of an open api is the operator (admin).
  await using server = await startTestServer({ worker: false, operations: {} });
  const [retired] = await stepsVersions(server.url);
  if (!retired) throw new Error('steps is not registered');
  const submitted = await postJson(`${server.url}/tasks`, { workflow: 'steps', params: { steps: 2 } });
  const taskId = (submitted.body as { task_id: string }).task_id;

  // The upgrade: a version declared by the new build; no worker of the old one is left.
  const steps = catalog.get('steps');
  if (!steps) throw new Error('no steps workflow');
  const upgraded = { ...steps, version: 'upgraded' };
  await server.system.publishWorkflows({ get: () => upgraded, list: () => [upgraded] });
  await expect
    .poll(async () => (await stepsVersions(server.url)).find((v) => v.current)?.version)
    .toBe('upgraded');

  const path = (version: string) => `${server.url}/workflows/steps/versions/${version}/move-tasks`;
  const moved = await postJson(path(retired.version), {});
  check('POST', REST_PATHS.workflowVersionMove, moved.status, moved.body);
  expect(moved).toMatchObject({
    status: 200,
    body: {
      workflow: 'steps',
      from_version: retired.version,
      to_version: 'upgraded',
      moved: 1,
      kept_total: 0,
      kept: [],
    },
  });
  const task = (await requestJson(`${server.url}/tasks/${taskId}`)).body as TaskView;
  expect(task).toMatchObject({
    status: 'queued',
    workflow_version: 'upgraded',
    params: { steps: 2, delay_ms: 20 },
  });

  for (const [version, status, code] of [
    ['upgraded', 409, 'CONFLICT'],
    ['never-registered', 404, 'NOT_FOUND'],
  ] as const) {
    const refused = await postJson(path(version), {});
    check('POST', REST_PATHS.workflowVersionMove, refused.status, refused.body);
    expect(refused.status).toBe(status);
    expect(ErrorBody.parse(refused.body).code).toBe(code);
  }
  const unknownField = await postJson(path(retired.version), { include_checkpoint: true });
  expect(unknownField.status).toBe(400);
  expect(JSON.stringify(unknownField.body)).toContain('include_checkpoint');
});
