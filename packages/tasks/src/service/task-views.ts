import {
  type ArtifactInfo,
  etaShown,
  type NodeMetric,
  type NodeMetricTotals,
  type Priority,
  runAtShown,
  type TaskError,
  type TaskProgressView,
  type TaskStatus,
  type TaskSummary,
  type TaskView,
  TaskWait,
  type VersionState,
} from '@kaygraph/contracts';
import type { TaskRow, TaskSummaryRow } from '../store/read.ts';
import { taskViewMetrics } from '../task-metrics.ts';

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

const etaOf = (status: string, etaSeconds: number | null): number | null =>
  etaShown(status as TaskStatus, etaSeconds);

export function toTaskSummary(row: TaskSummaryRow): TaskSummary {
  return {
    task_id: row.id,
    workflow: row.workflow,
    status: row.status as TaskStatus,
    priority: row.priority as Priority,
    progress: row.progress,
    step: row.step,
    message: row.message,
    eta_seconds: etaOf(row.status, row.etaSeconds),
    attempt: row.attempt,
    max_retries: row.maxRetries,
    group_id: row.groupId,
    schedule_id: row.scheduleId,
    concurrency_key: row.concurrencyKey,
    parent_task_id: row.parentTaskId,
    run_at: runAtShown(row.status as TaskStatus, isoOrNull(row.runAt)),
    error: (row.error as TaskError | null) ?? null,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    started_at: isoOrNull(row.startedAt),
    completed_at: isoOrNull(row.completedAt),
  };
}

export function toTaskView(
  row: TaskRow,
  artifacts: ArtifactInfo[],
  versionState: VersionState | null,
): TaskView {
  return {
    ...toTaskSummary(row),
    workflow_version: row.workflowVersion,
    version_state: versionState,
    params: (row.params as Record<string, unknown>) ?? {},
    idempotency_key: row.idempotencyKey,
    ...(row.result === null ? {} : { result: row.result }),
    depends_on: row.dependsOn,
    timeout_seconds: row.timeoutSeconds,
    run_seconds: row.runSeconds === null ? null : Math.max(0, Math.round(row.runSeconds * 1000) / 1000),
    ...taskViewMetrics({
      metrics: (row.metrics as NodeMetric[] | null) ?? null,
      omitted: row.metricsOmitted,
      byNode: row.metricsByNode as NodeMetricTotals[] | null,
    }),
    artifacts,
    wait: waitOf(row),
  };
}

/** The wait of a waiting task as the contract shows it (the stored one also holds runtime fields). */
function waitOf(row: TaskRow): TaskWait | null {
  if (row.status !== 'waiting' || row.wait === null) return null;
  const parsed = TaskWait.safeParse(row.wait);
  return parsed.success ? parsed.data : null;
}

export function toProgressView(row: TaskRow): TaskProgressView {
  return {
    task_id: row.id,
    status: row.status as TaskStatus,
    progress: row.progress,
    step: row.step,
    message: row.message,
    eta_seconds: etaOf(row.status, row.etaSeconds),
    updated_at: iso(row.updatedAt),
  };
}
