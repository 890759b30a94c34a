import { sql } from 'drizzle-orm';
import type { StoredCheckpoint } from '../attempt-data.ts';
import { type Executor, recordsJson, rowsOf, type Transaction } from '../db.ts';
import type { Attempt } from './claim.ts';
import { appendEventsBehind, type NewTaskEvent, type RowState } from './events.ts';
import { ATTEMPT_FENCE, lockedTasks } from './fences.ts';

/** The latest progress of a running attempt. */
export interface ProgressState {
  progress: number;
  step: string | null;
  message: string | null;
  eta_seconds: number | null;
}

/** What one attempt reports in one write: its latest progress (if any) and its events in report order. */
export interface AttemptReport {
  attempt: Attempt;
  progress: ProgressState | null;
  events: readonly Omit<NewTaskEvent, 'taskId'>[];
}

/**
 * Progress and logs of running attempts: the task rows take each attempt's latest progress, and the
 * events go through the event writer, only for attempts that still own their task (fence). Rows are
 * locked in id order. Returns the events written.
 */
export async function writeReports(tx: Transaction, reports: readonly AttemptReport[]): Promise<number> {
  if (reports.length === 0) return 0;
  const input = recordsJson(
    reports.map((r) => ({
      id: r.attempt.taskId,
      attempt: r.attempt.attempt,
      was: 'running',
      progress: r.progress,
    })),
  );
  const eventsOf = (report: AttemptReport, onlyIf?: RowState) =>
    report.events.map((event): NewTaskEvent => ({ ...event, taskId: report.attempt.taskId, onlyIf }));
  const ownedReports = (result: unknown) => {
    const owned = new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
    return reports.filter((report) => owned.has(report.attempt.taskId));
  };
  // The events go right behind the update, in the same round trip, each written only if its attempt still
  // owns its task.
  const result = await appendEventsBehind(
    tx,
    tx.execute(sql`
      with x as (
        select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, was text, progress jsonb)
      ), ${lockedTasks(reports.map((r) => r.attempt.taskId))}
      update tasks t set
        progress = coalesce((x.progress->>'progress')::real, t.progress),
        step = case when x.progress is null then t.step else x.progress->>'step' end,
        message = case when x.progress is null then t.message else x.progress->>'message' end,
        eta_seconds = case when x.progress is null then t.eta_seconds else (x.progress->>'eta_seconds')::real end,
        updated_at = case when x.progress is null then t.updated_at else now() end
      from x
      where ${ATTEMPT_FENCE}
      returning t.id`),
    reports.flatMap((report) => eventsOf(report, { status: 'running', attempt: report.attempt.attempt })),
    (written) => ownedReports(written).flatMap((report) => eventsOf(report)),
  );
  return ownedReports(result).reduce((count, report) => count + report.events.length, 0);
}

export interface CheckpointWrite {
  attempt: Attempt;
  checkpoint: StoredCheckpoint;
}

/**
 * Stores checkpoints of running attempts in one statement; an attempt that no longer owns its task writes
 * nothing. A saved checkpoint never waits (a suspended run's is stored with its outcome), so the run got
 * past any wait it resumed from: `resume` is cleared (store/waits.ts).
 */
export async function saveCheckpoints(executor: Executor, writes: readonly CheckpointWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const input = recordsJson(
    writes.map((w) => ({
      id: w.attempt.taskId,
      attempt: w.attempt.attempt,
      checkpoint: w.checkpoint,
      was: 'running',
    })),
  );
  await executor.execute(sql`
    with x as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, checkpoint jsonb, was text)
    ), ${lockedTasks(writes.map((w) => w.attempt.taskId))}
    update tasks t set checkpoint = x.checkpoint, resume = null, updated_at = now()
    from x where ${ATTEMPT_FENCE}`);
}
