import type { TaskEvent, TaskSummary } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { taskSummary } from '../lib/test-fixtures.ts';
import { TaskStore } from './task-store.ts';

const ID = '0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11';

function summary(overrides: Partial<TaskSummary> = {}): TaskSummary {
  return taskSummary({
    task_id: ID,
    attempt: 0,
    max_retries: 2,
    created_at: '2026-01-01T12:00:00.000Z',
    updated_at: '2026-01-01T12:00:00.000Z',
    ...overrides,
  });
}

const running: TaskEvent = {
  type: 'status',
  task_id: ID,
  seq: 2,
  at: '2026-01-01T12:00:01.000Z',
  status: 'running',
  attempt: 1,
  error: null,
};
const halfway: TaskEvent = {
  type: 'progress',
  task_id: ID,
  seq: 3,
  at: '2026-01-01T12:00:02.000Z',
  progress: 50,
  step: 'transform',
  message: 'rows 500/1000',
  eta_seconds: 2,
};
const failed: TaskEvent = {
  type: 'status',
  task_id: ID,
  seq: 4,
  at: '2026-01-01T12:00:03.000Z',
  status: 'failed',
  attempt: 1,
  error: { code: 'WORKFLOW_ERROR', message: 'boom', stack: 'Error: boom\n    at node' },
};

describe('TaskStore', () => {
  it('follows a task through its events', () => {
    const store = new TaskStore();
    store.upsert([summary()]);
    for (const event of [running, halfway]) expect(store.apply(event)).toBe(true);
    expect(store.get(ID)).toMatchObject({
      status: 'running',
      progress: 50,
      step: 'transform',
      eta_seconds: 2,
      started_at: running.at,
    });
    store.apply(failed);
    expect(store.get(ID)).toMatchObject({
      status: 'failed',
      completed_at: failed.at,
      eta_seconds: null,
      error: { code: 'WORKFLOW_ERROR', message: 'boom' },
    });
  });

  it('times a retried task from the run the retry began, as the api does', () => {
    const store = new TaskStore();
    store.upsert([summary()]);
    for (const event of [running, failed]) store.apply(event);
    const requeued: TaskEvent = { ...running, seq: 5, at: '2026-01-01T13:00:00.000Z', status: 'queued' };
    store.apply(requeued);
    expect(store.get(ID)).toMatchObject({ status: 'queued', started_at: null, completed_at: null });
    const rerun: TaskEvent = { ...running, seq: 6, at: '2026-01-01T13:00:01.000Z', attempt: 2 };
    store.apply(rerun);
    expect(store.get(ID)).toMatchObject({ status: 'running', started_at: rerun.at });
  });

  it('ends a completed task at 100 % and ETA 0, as a tasks.list snapshot shows it', () => {
    const store = new TaskStore();
    store.upsert([summary()]);
    const completed: TaskEvent = {
      ...running,
      seq: 4,
      at: '2026-01-01T12:00:03.000Z',
      status: 'completed',
      progress: 100,
      eta_seconds: 0,
      step: 'load',
      message: 'done',
    };
    for (const event of [running, halfway, completed]) store.apply(event);
    expect(store.get(ID)).toMatchObject({
      status: 'completed',
      progress: 100,
      eta_seconds: 0,
      step: 'load',
      completed_at: completed.at,
    });
  });

  it('reports unknown tasks so the caller can fetch them', () => {
    expect(new TaskStore().apply(running)).toBe(false);
  });

  it('ignores events and snapshots older than what it already shows', () => {
    const store = new TaskStore();
    store.upsert([summary({ status: 'completed', progress: 100, updated_at: '2026-01-01T12:00:05.000Z' })]);
    store.apply(halfway);
    store.upsert([summary({ status: 'running', updated_at: '2026-01-01T12:00:01.000Z' })]);
    expect(store.get(ID)).toMatchObject({ status: 'completed', progress: 100 });
  });

  it('forgets finished tasks once they leave the hour the charts show', () => {
    const store = new TaskStore();
    store.upsert([summary({ status: 'completed', completed_at: '2026-01-01T12:00:00.000Z' })]);
    store.prune(Date.parse('2026-01-01T12:59:00.000Z'));
    expect(store.has(ID)).toBe(true);
    store.prune(Date.parse('2026-01-01T13:01:00.000Z'));
    expect(store.has(ID)).toBe(false);
  });

  it('forgets a removed task', () => {
    const store = new TaskStore();
    store.upsert([summary({ status: 'completed', progress: 100 })]);
    store.forget([ID]);
    expect(store.has(ID)).toBe(false);
    expect(store.all()).toEqual([]);
  });

  it('forgets the child tasks of a removed task, at any depth, and no one else', () => {
    const store = new TaskStore();
    const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    // The grandchild is stored before its parent: the order of the store is no tree's.
    store.upsert([
      summary({ task_id: id(3), parent_task_id: id(2), status: 'completed' }),
      summary({ task_id: id(1), status: 'completed' }),
      summary({ task_id: id(2), parent_task_id: id(1), status: 'completed' }),
      summary({ task_id: id(4), status: 'completed' }),
    ]);
    store.forget([id(1)]);
    expect(store.all().map((task) => task.task_id)).toEqual([id(4)]);
  });

  it('tells listeners once per burst of changes', async () => {
    const store = new TaskStore();
    let calls = 0;
    store.subscribe(() => {
      calls += 1;
    });
    store.upsert([summary()]);
    store.apply(running);
    store.apply(halfway);
    await Promise.resolve();
    expect(calls).toBe(1);
  });
});
