import type { TaskEvent } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { currentRunStart, runTimeText } from './run-time.ts';

const id = '00000000-0000-4000-8000-000000000001';
const status = (seq: number, name: 'queued' | 'running', at: string): TaskEvent => ({
  task_id: id,
  seq,
  at,
  type: 'status',
  status: name,
  attempt: seq,
  error: null,
});

describe('run time on the task page', () => {
  const retried = [
    status(1, 'running', '2026-01-01T00:00:00.000Z'),
    status(2, 'queued', '2026-01-01T00:01:00.000Z'),
    status(3, 'running', '2026-01-01T00:05:00.000Z'),
  ];

  it('counts a running task from the start of its current run, not its first', () => {
    expect(currentRunStart(retried)).toBe('2026-01-01T00:05:00.000Z');
    const task = { status: 'running' as const, started_at: '2026-01-01T00:00:00.000Z', completed_at: null };
    expect(runTimeText(task, retried, Date.parse('2026-01-01T00:07:30.000Z'))).toBe('2 min 30 s so far');
  });

  it("shows a finished task's run time as before", () => {
    const task = {
      status: 'completed' as const,
      started_at: '2026-01-01T00:00:00.000Z',
      completed_at: '2026-01-01T00:00:42.000Z',
    };
    expect(runTimeText(task, retried, Date.now())).toBe('42 s');
  });
});
