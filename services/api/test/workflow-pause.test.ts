import {
  ErrorBody,
  type ListWorkflowsOutput,
  REST_PATHS,
  type TaskView,
  WorkflowPauseView,
} from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, openKeyStore, submitWithKey } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** POST /workflows/{name}/pause and /resume over REST, as an operator holding one workflow sees it. */
const check = createOpenApiChecker(buildOpenApiDocument());

test('an admin pauses a workflow: its task stays queued while others run, GET /workflows says so, resume runs it', async () => {
  await using server = await startTestServer({ operations: { authCacheMs: 100 } });
  await using store = openKeyStore(server.databaseUrl);
  const alice = (await store.create('alice')).key;
  const admin = (await store.create('operator', { admin: true })).key;
  const post = (key: string, path: string) =>
    requestJson(`${server.url}${path}`, { method: 'POST', headers: bearer(key) });
  const statusOf = async (taskId: string) =>
    ((await requestJson(`${server.url}/tasks/${taskId}`, { headers: bearer(alice) })).body as TaskView)
      .status;
  const stepsInfo = async () => {
    const listed = (await requestJson(`${server.url}/workflows`, { headers: bearer(alice) }))
      .body as ListWorkflowsOutput;
    return listed.workflows.find((workflow) => workflow.name === 'steps');
  };

  const refused = await post(alice, '/workflows/steps/pause');
  check('POST', REST_PATHS.workflowPause, refused.status, refused.body);
  expect(refused.status).toBe(403);
  expect(await stepsInfo()).toMatchObject({ paused: false, paused_at: null });

  const paused = await post(admin, '/workflows/steps/pause');
  check('POST', REST_PATHS.workflowPause, paused.status, paused.body);
  expect(paused.status).toBe(200);
  const view = WorkflowPauseView.parse(paused.body);
  expect(view).toMatchObject({ name: 'steps', paused: true, paused_by: 'operator' });
  expect(await stepsInfo()).toMatchObject({ paused: true, paused_at: view.paused_at });
  const metrics = await requestJson(`${server.url}/metrics`, {
    headers: { ...bearer(admin), accept: 'application/json' },
  });
  expect(metrics.body).toMatchObject({ paused_workflows: ['steps'] });
  const scraped = await (
    await fetch(`${server.url}/metrics?format=prometheus`, { headers: bearer(admin) })
  ).text();
  expect(scraped).toMatch(/^kaygraph_workflow_paused\{workflow="steps"\} 1$/m);
  expect(scraped).toMatch(/^kaygraph_workflow_paused\{workflow="echo"\} 0$/m);

  const held = await submitWithKey(server.url, alice, { workflow: 'steps', params: { steps: 1 } });
  const echo = await submitWithKey(server.url, alice, { workflow: 'echo', params: { value: 'runs' } });
  // The worker ran a task submitted after the held one: it fetched, and left the paused workflow's.
  await expect.poll(() => statusOf(echo), { timeout: 30_000 }).toBe('completed');
  expect(await statusOf(held)).toBe('queued');

  const resumed = await post(admin, '/workflows/steps/resume');
  check('POST', REST_PATHS.workflowResume, resumed.status, resumed.body);
  expect(resumed.body).toMatchObject({ name: 'steps', paused: false, paused_at: null, paused_by: null });
  await expect.poll(() => statusOf(held), { timeout: 30_000 }).toBe('completed');
  expect(await stepsInfo()).toMatchObject({ paused: false });

  const unknown = await post(admin, '/workflows/nope/pause');
  check('POST', REST_PATHS.workflowPause, unknown.status, unknown.body);
  expect(unknown.status).toBe(404);
  expect(ErrorBody.parse(unknown.body).code).toBe('NOT_FOUND');
});
