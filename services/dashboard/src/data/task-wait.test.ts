import type { TaskEvent, TaskView } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { applyWaitEvent } from './task-wait.ts';

const ID = '00000000-0000-4000-8000-000000000001';
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

const view = { task_id: ID, status: 'running', wait: null } as unknown as TaskView;
const childWait = {
  kind: 'children' as const,
  node_id: 'split',
  since: at(1),
  child_task_ids: [ID, ID],
  finished: 0,
};

describe('applyWaitEvent', () => {
  it('sets the wait, counts finished children, and clears it once the task moves on', () => {
    const events: TaskEvent[] = [
      { type: 'status', task_id: ID, seq: 1, at: at(1), status: 'waiting', attempt: 1, error: null },
      { type: 'waiting', task_id: ID, seq: 2, at: at(1), wait: childWait },
      {
        type: 'child_finished',
        task_id: ID,
        seq: 3,
        at: at(2),
        child_task_id: ID,
        index: 0,
        status: 'completed',
        error: null,
        finished: 1,
        total: 2,
      },
    ];
    const waiting = events.reduce(applyWaitEvent, view);
    expect(waiting.wait).toEqual({ ...childWait, finished: 1 });
    const queued = applyWaitEvent(waiting, {
      type: 'status',
      task_id: ID,
      seq: 4,
      at: at(3),
      status: 'queued',
      attempt: 1,
      error: null,
    });
    expect(queued.wait).toBeNull();
  });
});
