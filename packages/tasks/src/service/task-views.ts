import type {
  ArtifactInfo,
  NodeMetric,
  Priority,
  TaskError,
  TaskProgressView,
  TaskStatus,
  TaskSummary,
  TaskView,
} from '@kaygraph/contracts';
import type { TaskRow, TaskSummaryRow } from '../store/read.ts';

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toTaskSummary(row: TaskSummaryRow): TaskSummary {
  return {
    task_id: row.id,
    workflow: row.workflow,
    status: row.status as TaskStatus,
    priority: row.priority as Priority,
    progress: row.progress,
    step: row.step,
    message: row.message,
    eta_seconds: row.etaSeconds,
    attempt: row.attempt,
    max_retries: row.maxRetries,
    group_id: row.groupId,
    schedule_id: row.scheduleId,
    error: (row.error as TaskError | null) ?? null,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    started_at: isoOrNull(row.startedAt),
    completed_at: isoOrNull(row.completedAt),
  };
}

export function toTaskView(row: TaskRow, artifacts: ArtifactInfo[]): TaskView {
  return {
    ...toTaskSummary(row),
    params: (row.params as Record<string, unknown>) ?? {},
    ...(row.result === null ? {} : { result: row.result }),
    depends_on: row.dependsOn,
    timeout_seconds: row.timeoutSeconds,
    run_at: isoOrNull(row.runAt),
    metrics: (row.metrics as NodeMetric[] | null) ?? null,
    artifacts,
  };
}

export function toProgressView(row: TaskRow): TaskProgressView {
  return {
    task_id: row.id,
    status: row.status as TaskStatus,
    progress: row.progress,
    step: row.step,
    message: row.message,
    eta_seconds: row.etaSeconds,
    updated_at: iso(row.updatedAt),
  };
}
