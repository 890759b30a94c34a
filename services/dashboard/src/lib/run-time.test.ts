import type { TaskView } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { runClockOf, runTimeText } from './run-time.ts';

const running = {
  status: 'running' as const,
  attempt: 2,
  started_at: '2026-01-01T00:00:00.000Z',
  completed_at: null,
};

describe('run time on the task page', () => {
  it("counts a running task from the server's run_seconds, ticking on with the page's elapsed time", () => {
    const clock = runClockOf({ ...running, run_seconds: 150 } as TaskView, 10_000);
    expect(clock).toEqual({ attempt: 2, seconds: 150, readAt: 10_000 });
    expect(runTimeText(running, clock, 10_000)).toBe('2 min 30 s so far');
    expect(runTimeText(running, clock, 40_000)).toBe('3 min so far');
  });

  it('shows no figure for a run started since the last read (a retry), until it is read', () => {
    const clock = runClockOf({ ...running, attempt: 1, run_seconds: 150 } as TaskView, 0);
    expect(runTimeText(running, clock, 0)).toBe('—');
    expect(runTimeText(running, null, 0)).toBe('—');
  });

  it("shows a finished task's run time as before", () => {
    const task = {
      status: 'completed' as const,
      attempt: 1,
      started_at: '2026-01-01T00:00:00.000Z',
      completed_at: '2026-01-01T00:00:42.000Z',
    };
    expect(runTimeText(task, null, 0)).toBe('42 s');
  });
});
