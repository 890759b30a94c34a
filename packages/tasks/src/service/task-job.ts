import type { JobInsert } from 'pg-boss';
import { jobInsertFor, type TaskJobData } from '../queue/job-options.ts';
import type { QueueTuning } from '../queue/tuning.ts';
import type { PreparedTask } from './validate-submit.ts';

/** The pg-boss job of a newly submitted task: its id is the task's, its options the task's own. */
export function jobOfTask(id: string, task: PreparedTask, tuning: QueueTuning): JobInsert<TaskJobData> {
  return jobInsertFor(
    {
      jobId: id,
      taskId: id,
      priority: task.priority,
      retryLimit: task.maxRetries,
      retryDelaySeconds: task.retryDelaySeconds,
      retryBackoff: task.retryBackoff,
      timeoutSeconds: task.timeoutSeconds,
      startAfter: task.runAt,
    },
    tuning,
  );
}
