import { PRIORITY_RANK, type Priority } from '@kaygraph/contracts';
import type { JobInsert } from 'pg-boss';
import { DEAD_LETTER_QUEUE } from './names.ts';
import { expirySeconds } from './queues.ts';
import type { QueueTuning } from './tuning.ts';

/** What a pg-boss job of a task carries: only the id; the task row is the source of truth. */
export interface TaskJobData {
  task_id: string;
}

export interface TaskJobSpec {
  jobId: string;
  taskId: string;
  priority: Priority;
  /** Retries after the first attempt. */
  retryLimit: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  timeoutSeconds: number;
  startAfter: Date | null;
}

/** The pg-boss options of one task's job: the task's own retry policy and timeout override the queue's. */
export function jobInsertFor(spec: TaskJobSpec, tuning: QueueTuning): JobInsert<TaskJobData> {
  return {
    id: spec.jobId,
    data: { task_id: spec.taskId },
    priority: PRIORITY_RANK[spec.priority],
    retryLimit: spec.retryLimit,
    retryDelay: spec.retryDelaySeconds,
    retryBackoff: spec.retryBackoff,
    expireInSeconds: expirySeconds(spec.timeoutSeconds, tuning),
    heartbeatSeconds: tuning.heartbeatSeconds,
    deleteAfterSeconds: tuning.completedJobRetentionSeconds,
    deadLetter: DEAD_LETTER_QUEUE,
    ...(spec.startAfter ? { startAfter: spec.startAfter } : {}),
  };
}
