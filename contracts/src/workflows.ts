import { z } from 'zod';
import { Priority } from './common.ts';

/** Per-workflow defaults; a submit may override retries, timeout and priority. */
export const WorkflowDefaults = z.object({
  max_retries: z.number().int().min(0).max(50),
  retry_delay_seconds: z.number().int().min(0).max(3600),
  retry_backoff: z.boolean(),
  timeout_seconds: z.number().int().min(1).max(86_399),
  priority: Priority,
  /** Most tasks of this workflow running at once across the cluster (null: no limit). */
  concurrency: z.number().int().min(1).nullable(),
});
export type WorkflowDefaults = z.infer<typeof WorkflowDefaults>;

export const WorkflowInfo = z.object({
  name: z.string(),
  description: z.string(),
  aliases: z.array(z.string()),
  /** JSON Schema (draft 2020-12) of the params. */
  params_schema: z.record(z.string(), z.unknown()),
  result_schema: z.record(z.string(), z.unknown()).nullable(),
  /** JSON Schema of each signal's payload, by signal name (`{}`: the workflow takes no signals). */
  signals_schema: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  defaults: WorkflowDefaults,
});
export type WorkflowInfo = z.infer<typeof WorkflowInfo>;

export const ListWorkflowsOutput = z.object({ workflows: z.array(WorkflowInfo) });
export type ListWorkflowsOutput = z.infer<typeof ListWorkflowsOutput>;
