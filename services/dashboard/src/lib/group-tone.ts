import type { GroupStatus, TaskStatus } from '@kaygraph/contracts';

/** The progress-bar colour of a group: the task status that reads the same. */
export function progressTone(status: GroupStatus): TaskStatus {
  switch (status) {
    case 'completed':
      return 'completed';
    case 'failed':
    case 'partially_failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'running';
  }
}
