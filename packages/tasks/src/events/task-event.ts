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
        // A completion's last step and message (absent from other status events).
        ...('step' in p ? { step: typeof p.step === 'string' ? p.step : null } : {}),
        ...('message' in p ? { message: typeof p.message === 'string' ? p.message : null } : {}),
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
      return parsedOrLog(WaitingEvent.safeParse({ ...p, ...base, type: 'waiting' }), record);
    case 'signal_received':
      return parsedOrLog(SignalReceivedEvent.safeParse({ ...p, ...base, type: 'signal_received' }), record);
    case 'child_finished':
      return parsedOrLog(ChildFinishedEvent.safeParse({ ...p, ...base, type: 'child_finished' }), record);
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

/**
 * A stored wait event that does not match its contract (written by an older or broken version) is shown as
 * a warning carrying its payload, so one bad row never breaks a stream.
 */
function parsedOrLog(
  parsed: { success: true; data: TaskEvent } | { success: false },
  record: TaskEventRecord,
): TaskEvent {
  if (parsed.success) return parsed.data;
  return {
    task_id: record.task_id,
    seq: record.seq,
    at: new Date(record.at).toISOString(),
    type: 'log',
    level: 'warn',
    message: `a ${record.type} event that does not match its schema`,
    data: record.payload,
  };
}

export function isTerminalEvent(event: TaskEvent): boolean {
  return event.type === 'status' && isTerminalStatus(event.status);
}
