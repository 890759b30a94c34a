import { z } from 'zod';
import { JsonValue, Priority, ScheduleId, StorableParams, storableText, Timestamp } from './common.ts';
import { ConcurrencyKey, WorkflowName } from './tasks.ts';

/**
 * Five-field cron (minute hour day-of-month month day-of-week), e.g. `0 9 * * *`. The shape is checked
 * here; the service parses it (cron-parser) and names the field at fault.
 */
export const CronExpression = z
  .string()
  .trim()
  .min(1, 'cron is required')
  .max(120)
  .refine((value) => value.split(/\s+/).length === 5, {
    error: 'cron must have 5 fields: minute hour day-of-month month day-of-week (e.g. "0 9 * * *")',
  });

/** An IANA time zone name (`Europe/Berlin`); checked by the service against the runtime's zone data. */
export const TimeZone = z.string().trim().min(1).max(64);

export const CreateScheduleInput = z
  .strictObject({
    /** Unique per owner; derived from the workflow and the cron when absent (`daily_report 0 9 * * *`). */
    name: storableText(z.string().trim().min(1, 'name is required').max(200)).optional(),
    cron: CronExpression,
    timezone: TimeZone.default('UTC'),
    workflow: WorkflowName,
    params: StorableParams.default({}),
    /** The workflow's default priority when absent (`daily_report`: low), as for a submitted task. */
    priority: Priority.optional(),
    /** Every occurrence's task counts under this key of the workflow's `concurrency_per_key` (as a submit's). */
    concurrency_key: ConcurrencyKey.optional(),
    /** false: created paused. */
    enabled: z.boolean().default(true),
  })
  .transform((input) => ({ ...input, name: input.name ?? `${input.workflow} ${input.cron}` }));
export type CreateScheduleInput = z.input<typeof CreateScheduleInput>;

/** A change names only known fields: one misspelt would otherwise be a change silently not made. */
export const UpdateScheduleInput = z.strictObject({
  schedule_id: ScheduleId,
  name: storableText(z.string().trim().min(1).max(200)).optional(),
  cron: CronExpression.optional(),
  timezone: TimeZone.optional(),
  workflow: WorkflowName.optional(),
  params: StorableParams.optional(),
  /** Absent: kept, or the new workflow's default priority when `workflow` names another workflow. */
  priority: Priority.optional(),
  /** A key for the occurrences' tasks from now on; null removes it; absent: kept. */
  concurrency_key: ConcurrencyKey.nullable().optional(),
  /** false pauses the schedule, true resumes it (as POST .../pause and .../resume). */
  enabled: z.boolean().optional(),
});
export type UpdateScheduleInput = z.input<typeof UpdateScheduleInput>;

export const ScheduleIdInput = z.strictObject({ schedule_id: ScheduleId });
export type ScheduleIdInput = z.infer<typeof ScheduleIdInput>;

/** Why a due occurrence of a schedule created no task, as the firing pass judged it. */
export const ScheduleSkip = z.object({
  /** The occurrence (its cron time) that created no task. */
  occurrence_at: Timestamp,
  /** When the firing pass skipped it. */
  skipped_at: Timestamp,
  code: z
    .string()
    .describe(
      "The refusal's error code, as a submit of the same task would get it (BAD_REQUEST: a workflow gone or a concurrency_key its current version no longer limits; INVALID_PARAMS; QUEUE_FULL), or MISSED: no firing pass ran within 5 minutes of it (no worker was running).",
    ),
  message: z.string(),
});
export type ScheduleSkip = z.infer<typeof ScheduleSkip>;

export const ScheduleView = z.object({
  schedule_id: ScheduleId,
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  workflow: z.string(),
  params: z.record(z.string(), JsonValue),
  priority: Priority,
  /** The `concurrency_key` its occurrences' tasks are submitted with; null: none. */
  concurrency_key: z.string().nullable(),
  enabled: z.boolean(),
  /** The next occurrences (up to 5; none while paused). */
  next_runs: z.array(Timestamp),
  /** When the schedule last created a task. */
  last_run_at: Timestamp.nullable(),
  last_error: ScheduleSkip.nullable().describe(
    'Why its last due occurrence created no task; null while its last one did, none came due yet, or since a change of its workflow, params, concurrency_key or enabled (the skip was judged against what changed)',
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ScheduleView = z.infer<typeof ScheduleView>;

export const ListSchedulesInput = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ListSchedulesInput = z.input<typeof ListSchedulesInput>;

export const ListSchedulesOutput = z.object({
  items: z.array(ScheduleView),
  next_cursor: z.string().nullable(),
});
export type ListSchedulesOutput = z.infer<typeof ListSchedulesOutput>;

export const DeleteScheduleOutput = z.object({ schedule_id: ScheduleId, deleted: z.boolean() });
export type DeleteScheduleOutput = z.infer<typeof DeleteScheduleOutput>;
