import type { TaskView } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { submitWithKey } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { requestJson, waitForProgress, waitForTerminal } from './http-helpers.ts';

/**
 * A workflow that runs on the worker's main thread (inline) and throws outside its await chain: in a
 * timer's callback, or in a promise nobody awaits. Before, the error ended the whole worker process, and
 * with it every task it ran; now that run fails with the error, as a run in a thread does.
 */
test('an inline run that throws outside its await chain fails alone; the worker runs on', async () => {
  await using server = await startTestServer({});
  const submit = (body: unknown) => submitWithKey(server.url, undefined, body);
  const bystander = await submit({ workflow: 'steps', params: { steps: 20, delay_ms: 100 } });
  await waitForProgress(server.url, bystander, (view) => view.status === 'running');

  for (const via of ['timer', 'rejection'] as const) {
    const thrower = await submit({ workflow: 'throws_later', params: { via } });
    expect(await waitForTerminal(server.url, thrower)).toBe('failed');
    const view = (await requestJson(`${server.url}/tasks/${thrower}`)).body as TaskView;
    expect(view.error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message: `thrown outside the await chain (${via})`,
      attempt: 1,
    });
  }

  // The task beside it, on the same worker, finishes; the worker takes new work.
  expect(await waitForTerminal(server.url, bystander)).toBe('completed');
  const after = await submit({ workflow: 'echo', params: { value: 'still here' } });
  expect(await waitForTerminal(server.url, after)).toBe('completed');
});
