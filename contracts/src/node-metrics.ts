import { z } from 'zod';

/**
 * Node executions a task lists one by one in `metrics`: the most recent ones. A graph that loops runs
 * without end; older executions leave the list and are counted in `metrics_omitted` and `metrics_by_node`.
 */
export const NODE_METRICS_KEPT = 1000;

/** How a node step ended. */
export const NodeOutcome = z.enum(['ok', 'fallback', 'error', 'swallowed', 'aborted']);
export type NodeOutcome = z.infer<typeof NodeOutcome>;

/** Per-node figures the engine collects during a run: one per node execution (step). */
export const NodeMetric = z.object({
  node_id: z.string(),
  duration_ms: z.number(),
  attempts: z.number().int(),
  outcome: NodeOutcome,
  action: z.string().nullable().optional(),
});
export type NodeMetric = z.infer<typeof NodeMetric>;

const Count = z.number().int().min(0);

/**
 * Every execution of one node, summed: exact however many left `metrics`. Summed by `node_id`, which is
 * unique only within one graph level: nodes of different nested graphs that share an id share one entry.
 */
export const NodeMetricTotals = z.object({
  node_id: z.string(),
  runs: Count.describe('Executions (steps) of the node, over every run of the task'),
  total_duration_ms: z.number(),
  max_duration_ms: z.number(),
  attempts: Count.describe('Calls of its exec, summed over its executions'),
  outcomes: z
    .object({ ok: Count, fallback: Count, error: Count, swallowed: Count, aborted: Count })
    .describe('Executions by how they ended'),
  last_action: z
    .string()
    .nullable()
    .describe('The action of its latest execution (null: that execution failed or waited)'),
});
export type NodeMetricTotals = z.infer<typeof NodeMetricTotals>;
