import type { Priority, TaskError } from '@kaygraph/contracts';

/**
 * What the dashboard reads from procedures that other issues add (dead letters, schedules,
 * groups). Only the fields shown are named; the pages render nothing they do not get.
 */
export interface DeadLetterRow {
  task_id: string;
  workflow: string;
  priority?: Priority;
  attempt?: number;
  error: TaskError | null;
  failed_at?: string | null;
  created_at?: string;
}

export interface ScheduleRow {
  schedule_id: string;
  name?: string | null;
  workflow: string;
  cron: string;
  timezone?: string;
  enabled: boolean;
  next_runs?: string[];
  last_run_at?: string | null;
}

export interface GroupRow {
  group_id: string;
  name: string;
  status: string;
  progress: number;
  counts: Record<string, number>;
  total?: number;
  created_at?: string;
}
