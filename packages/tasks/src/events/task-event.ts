import type { TaskError, TaskEvent, TaskStatus } from '@kaygraph/contracts';
import { ChildFinishedEvent, isTerminalStatus, SignalReceivedEvent, WaitingEvent } from '@kaygraph/contracts';

/** One `task_events` row (or the same fields from a notification). */
export interface TaskEventRecord {
  task_id: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  /** Any timestamp PostgreSQL printed (text or JSON form). */
  at: string | Date;
}

/** The contract's event from a stored row: the payload fields sit beside task_id/seq/at/type. */
export function toTaskEvent(record: TaskEventRecord): TaskEvent {
  const at = new Date(record.at).toISOString();
  const base = { task_id: record.task_id, seq: record.seq, at };
  const p = record.payload;
  switch (record.type) {
    case 'status':
      return {
        ...base,
        type: 'status',
        status: p.status as TaskStatus,
        attempt: typeof p.attempt === 'number' ? p.attempt : 0,
        error: (p.error as TaskError | null | undefined) ?? null,
        ...(typeof p.progress === 'number' ? { progress: p.progress } : {}),
        ...(typeof p.eta_seconds === 'number' ? { eta_seconds: p.eta_seconds } : {}),
      };
    case 'progress':
      return {
        ...base,
        type: 'progress',
        progress: typeof p.progress === 'number' ? p.progress : 0,
        step: typeof p.step === 'string' ? p.step : null,
        message: typeof p.message === 'string' ? p.message : null,
        eta_seconds: typeof p.eta_seconds === 'number' ? p.eta_seconds : null,
      };
    // The wait events are written from contract shapes (store/waits.ts): parsed, not rebuilt field by field.
    case 'waiting':
      return WaitingEvent.parse({ ...p, ...base, type: 'waiting' });
    case 'signal_received':
      return SignalReceivedEvent.parse({ ...p, ...base, type: 'signal_received' });
    case 'child_finished':
      return ChildFinishedEvent.parse({ ...p, ...base, type: 'child_finished' });
    default:
      return {
        ...base,
        type: 'log',
        level: p.level === 'debug' || p.level === 'warn' || p.level === 'error' ? p.level : 'info',
        message: typeof p.message === 'string' ? p.message : '',
        ...(p.data === undefined ? {} : { data: p.data }),
      };
  }
}

export function isTerminalEvent(event: TaskEvent): boolean {
  return event.type === 'status' && isTerminalStatus(event.status);
}
