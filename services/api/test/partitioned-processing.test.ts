import type { ListTasksOutput, SubmitTaskOutput, TaskResultView, TaskView } from '@kaygraph/contracts';
import type { DataProcessingResult } from '@kaygraph/workflows';
import { expect, test } from 'vitest';
import { useTestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';

/** data_processing with `partitions`: child tasks through the real runtime, the api over the built-ins. */
const server = useTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });

async function processed(params: unknown): Promise<{ taskId: string; result: DataProcessingResult }> {
  const answer = await postJson(`${server.url}/tasks`, { workflow: 'data_processing', params });
  expect(answer.status).toBe(202);
  const { task_id } = answer.body as SubmitTaskOutput;
  expect(await waitForTerminal(server.url, task_id)).toBe('completed');
  const outcome = (await requestJson(`${server.url}/tasks/${task_id}/result`)).body as TaskResultView;
  return { taskId: task_id, result: outcome.result as DataProcessingResult };
}

test('partitions run as child tasks of the task, which completes with the merged report', async () => {
  const input = { generate: { rows: 30_000, seed: 3 } };
  const split = await processed({ input, chunk_size: 5000, partitions: 3 });
  const single = await processed({ input, chunk_size: 5000 });
  expect(split.result.counts).toEqual(single.result.counts);
  expect(split.result.groups.map((group) => [group.key, group.count])).toEqual(
    single.result.groups.map((group) => [group.key, group.count]),
  );

  const page = (await requestJson(`${server.url}/tasks?workflow=data_processing_partition`))
    .body as ListTasksOutput;
  const children = await Promise.all(
    page.items.map(
      async (item) => (await requestJson(`${server.url}/tasks/${item.task_id}`)).body as TaskView,
    ),
  );
  const mine = children.filter((child) => child.parent_task_id === split.taskId);
  expect(mine.map((child) => child.status)).toEqual(['completed', 'completed', 'completed']);
  const parent = (await requestJson(`${server.url}/tasks/${split.taskId}`)).body as TaskView;
  expect(parent).toMatchObject({ status: 'completed', progress: 100, wait: null, parent_task_id: null });
});
