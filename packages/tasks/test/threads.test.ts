import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  alice,
  readRecords,
  useSystemWithWorker,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

const harness = useSystemWithWorker(
  { concurrency: 2, memoryLimitMb: 48 },
  { tuning: { abortGraceSeconds: 1 } },
);

it('a task over its thread memory cap fails with RESOURCE_LIMIT and the pool goes on', async () => {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1, step_ms: 0, allocate_mb: 400 },
    priority: 'normal',
  });
  expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
  expect((await system.tasks.get(alice, task_id)).error?.code).toBe('RESOURCE_LIMIT');
  const next = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 1 },
    priority: 'normal',
  });
  expect(await waitForTerminal(system, alice, next.task_id)).toBe('completed');
});

it('a workflow whose runs decide where they run: one on the main thread, one in a worker thread', async () => {
  const { system } = harness;
  const record = join(mkdtempSync(join(tmpdir(), 'kg-threads-')), 'placed.jsonl');
  const submit = (params: Record<string, unknown>) =>
    system.tasks.submit(alice, {
      workflow: 'steps_busy_in_thread',
      params: { steps: 1, step_ms: 0, record_file: record, ...params },
      priority: 'normal',
    });
  const light = await submit({});
  const busy = await submit({ busy_ms: 10 });
  expect(await waitForTerminal(system, alice, light.task_id)).toBe('completed');
  expect(await waitForTerminal(system, alice, busy.task_id)).toBe('completed');
  const threadOf = (taskId: string) => readRecords(record).find((line) => line.task_id === taskId)?.thread;
  expect(threadOf(light.task_id)).toBe(0);
  expect(threadOf(busy.task_id)).toBeGreaterThan(0);
});

it('a CPU-bound task in a thread does not hold up the worker: others run, and its cancel lands', async () => {
  const { system } = harness;
  const record = join(mkdtempSync(join(tmpdir(), 'kg-threads-')), 'busy.jsonl');
  const busy = await system.tasks.submit(alice, {
    workflow: 'steps',
    params: { steps: 2, step_ms: 0, busy_ms: 20_000, record_file: record },
    priority: 'normal',
  });
  await waitForStatus(system, alice, busy.task_id, ['running']);
  await waitFor(() => readRecords(record).length > 0, 'the busy step to start');
  // The main thread stays free: an inline task completes while the thread spins.
  const inline = await system.tasks.submit(alice, {
    workflow: 'steps_inline',
    params: { steps: 2 },
    priority: 'normal',
  });
  expect(await waitForTerminal(system, alice, inline.task_id)).toBe('completed');
  expect((await system.tasks.get(alice, busy.task_id)).status).toBe('running');

  expect(await system.tasks.cancel(alice, busy.task_id)).toMatchObject({ status: 'cancelled' });
  // The spinning thread never reads its abort message: it is terminated after the grace period.
  await waitFor(() => harness.worker.active === 0, 'the worker to be idle');
  expect(readRecords(record).map((r) => `${r.node}:${r.phase}`)).toEqual(['step_1:start']);
});

it('a run in a worker thread ends with its last progress report: the completed task shows its last message', async () => {
  const { system } = harness;
  const submitted = await Promise.all(
    Array.from({ length: 20 }, () =>
      system.tasks.submit(alice, {
        workflow: 'steps',
        params: { steps: 2, step_ms: 0, finish_message: 'all done' },
        priority: 'normal',
      }),
    ),
  );
  for (const { task_id } of submitted) {
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const progress = await system.tasks.progress(alice, task_id);
    expect(progress, task_id).toMatchObject({ progress: 100, message: 'all done' });
  }
});
