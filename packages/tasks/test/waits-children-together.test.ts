import { randomUUID } from 'node:crypto';
import type { TaskEvent } from '@kaygraph/contracts';
import { expect, it } from 'vitest';
import { claimJobs } from '../src/store/claim.ts';
import { finishAttempts } from '../src/store/finish.ts';
import { PARENTS_ONLY_MODULE } from './fixtures/parents-only.ts';
import { alice, noMetrics, queueOf, startTestSystem, waitForStatus, waitForTerminal } from './harness.ts';

it('children that finish in one transaction each report the count they made, in the node order', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  // This worker runs the parent only: its three children stay queued until settled below.
  await system.startWorker({ concurrency: 1, workflowsModule: PARENTS_ONLY_MODULE, pollIntervalMs: 200 });
  const child = (value: string) => ({ workflow: 'steps', params: { steps: 1, step_ms: 0, result: value } });
  const { task_id: parentId } = await system.tasks.submit(alice, {
    workflow: 'wait_children',
    params: { children: [child('a'), child('b'), child('c')] },
  });
  await waitForStatus(system, alice, parentId, ['waiting']);

  // As a worker whose three runs end together does: one claim, then one transaction settling them all.
  const { db, queue } = system.context;
  // The children were submitted in the transaction that made the parent wait.
  const { attempts: claimed } = await db.transaction((tx) =>
    claimJobs(tx, queue, randomUUID(), queueOf('steps'), 3),
  );
  expect(claimed).toHaveLength(3);
  await db.transaction((tx) =>
    finishAttempts(
      system.context,
      tx,
      claimed.map((attempt) => ({
        kind: 'completed',
        attempt,
        result: { value: attempt.params.result },
        artifacts: [],
        metrics: noMetrics,
      })),
    ),
  );

  expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
  const events: TaskEvent[] = [];
  for await (const event of system.tasks.events(alice, parentId, {})) events.push(event);
  const finished = events.flatMap((event) => (event.type === 'child_finished' ? [event] : []));
  expect(finished.map((event) => [event.index, event.finished, event.total])).toEqual([
    [0, 1, 3],
    [1, 2, 3],
    [2, 3, 3],
  ]);
  const counted = events.flatMap((event) =>
    event.type === 'progress' && event.message?.endsWith('child tasks finished') ? [event.message] : [],
  );
  expect(counted).toEqual(['3 of 3 child tasks finished']);
  const { results } = (await system.tasks.result(alice, parentId)).result as { results: { value: string }[] };
  expect(results.map((result) => result.value)).toEqual(['a', 'b', 'c']);
});
