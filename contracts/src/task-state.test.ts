import { describe, expect, it } from 'vitest';
import type { TaskEvent } from './events.ts';
import { foldTaskEvent, INITIAL_TASK_STATE, type TaskState } from './task-state.ts';

const ID = '0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11';
let seq = 0;
const base = () => ({ task_id: ID, seq: ++seq, at: '2026-01-01T12:00:00.000Z' });

const status = (name: TaskState['status'], extra: Partial<Extract<TaskEvent, { type: 'status' }>> = {}) =>
  ({ ...base(), type: 'status', status: name, attempt: 1, error: null, ...extra }) satisfies TaskEvent;
const report = (progress: number, eta_seconds: number | null, step = 'transform') =>
  ({
    ...base(),
    type: 'progress',
    progress,
    step,
    message: `at ${progress}`,
    eta_seconds,
  }) satisfies TaskEvent;
const boom = { code: 'WORKFLOW_ERROR', message: 'boom' };

function fold(events: TaskEvent[]): TaskState {
  return events.reduce<TaskState>(foldTaskEvent, INITIAL_TASK_STATE);
}

const running = () => [status('queued', { attempt: 0 }), status('running'), report(40, 12)];

describe('foldTaskEvent', () => {
  it('follows status and progress reports', () => {
    expect(fold(running())).toEqual({
      status: 'running',
      attempt: 1,
      progress: 40,
      step: 'transform',
      message: 'at 40',
      eta_seconds: 12,
      error: null,
    });
  });

  it('ends a completion at progress 100 and ETA 0, with the step and message its event carries', () => {
    const completed = status('completed', { progress: 100, eta_seconds: 0, step: 'load', message: 'done' });
    expect(fold([...running(), completed])).toMatchObject({
      status: 'completed',
      progress: 100,
      eta_seconds: 0,
      step: 'load',
      message: 'done',
    });
  });

  it.each(['failed', 'cancelled'] as const)('keeps progress but no ETA once %s', (name) => {
    const state = fold([...running(), status(name, { error: boom })]);
    expect(state).toMatchObject({
      status: name,
      progress: 40,
      step: 'transform',
      eta_seconds: null,
      error: boom,
    });
  });

  it('has no ETA while waiting, and none after until a report gives one', () => {
    const waited = [...running(), status('waiting'), status('queued'), status('running', { attempt: 2 })];
    expect(fold(waited)).toMatchObject({ status: 'running', progress: 40, eta_seconds: null });
    expect(fold([...waited, report(60, 5)])).toMatchObject({ progress: 60, eta_seconds: 5 });
  });

  it('has no ETA while a failed attempt waits for its retry (nothing runs it), and none after until a report', () => {
    const retrying = [...running(), status('queued', { attempt: 1, error: boom })];
    expect(fold(retrying)).toMatchObject({ status: 'queued', eta_seconds: null, error: boom });
    expect(fold([...retrying, status('running', { attempt: 2 })])).toMatchObject({ eta_seconds: null });
  });

  it('keeps the ETA over a running status without one', () => {
    expect(fold([...running(), status('running')])).toMatchObject({ status: 'running', eta_seconds: 12 });
  });

  it('keeps the known error when a failure comes without one, and clears it when the task moves on', () => {
    const failed = fold([...running(), status('queued', { error: boom }), status('failed')]);
    expect(failed.error).toEqual(boom);
    expect(foldTaskEvent(failed, status('queued', { attempt: 2 })).error).toBeNull();
  });

  it('returns the same state for log and wait events, and keeps fields it does not know', () => {
    const state = { ...fold(running()), updated_at: 'kept' };
    const log = { ...base(), type: 'log', level: 'info', message: 'hello' } satisfies TaskEvent;
    const signal = {
      ...base(),
      type: 'signal_received',
      name: 'approve',
      taken: 'resumed',
    } satisfies TaskEvent;
    expect(foldTaskEvent(state, log)).toBe(state);
    expect(foldTaskEvent(state, signal)).toBe(state);
    expect(foldTaskEvent(state, report(50, 3))).toMatchObject({ updated_at: 'kept', progress: 50 });
  });
});
