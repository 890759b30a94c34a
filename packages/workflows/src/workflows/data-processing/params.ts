import { DEFAULT_MAX_BATCH_SIZE } from '@kaygraph/contracts/run-contracts';
import { z } from 'zod';
import { DerivedField } from '../../lib/derive.ts';
import { FieldSpec } from '../../lib/records.ts';

export const InlineRecords = z.array(z.record(z.string(), z.unknown())).max(100_000);
const DataFile = z.string().min(1).max(500);
const Generate = z.object({
  generate: z.object({
    rows: z.number().int().min(1).max(10_000_000),
    seed: z.number().int().default(1),
  }),
});

/** How to give the data in the params instead of a file (said when a file is missing). */
export const INLINE_INPUT =
  '"input": [{"region": "North", "amount": 10}, ...] or "input": {"generate": {"rows": 1000}}';

export const DataProcessingParams = z.strictObject({
  /**
   * Inline records; a CSV, JSON (array) or JSON Lines file under the data directory (a name without
   * extension tries .csv, .json, .jsonl); or `{ generate: { rows, seed } }` for generated sales rows.
   */
  input: z.union([InlineRecords, DataFile, Generate]),
  /** Columns, types and rules; default: the sales schema for generated data, else inferred. */
  schema: z.object({ fields: z.array(FieldSpec).min(1).max(200) }).optional(),
  /** Columns to aggregate by; default: region and category for generated data, else none. */
  group_by: z.array(z.string()).max(5).optional(),
  /** Derived numeric fields; default: gross, discount_amount and revenue for generated data. */
  derive: z.array(DerivedField).max(50).optional(),
  /** Rows per processing batch: the unit of progress and of cancellation. */
  chunk_size: z.number().int().min(100).max(100_000).default(10_000),
  /**
   * Splits the rows into this many child tasks (any worker runs them) and merges their results;
   * 1 processes them in this task. At most the default MAX_BATCH_SIZE: they are submitted in one wait,
   * so a worker run with a lower MAX_BATCH_SIZE fails a task that asks for more than it.
   */
  partitions: z.number().int().min(1).max(DEFAULT_MAX_BATCH_SIZE).default(1),
});
export type DataProcessingParams = z.output<typeof DataProcessingParams>;

export const NumericSummary = z.object({
  count: z.number(),
  sum: z.number(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
});

/** The row counts of a cleaning pass: rows read, valid, repaired, dropped (and why). */
export const RowCounts = z.object({
  read: z.number().int(),
  valid: z.number().int(),
  repaired: z.number().int(),
  dropped: z.number().int(),
  drop_reasons: z.record(z.string(), z.number().int()),
});

/** What the aggregation (lib/aggregate.ts) reports of a set of rows, in every workflow that aggregates. */
export const AggregateReport = z.object({
  summary: z.record(z.string(), NumericSummary),
  categories: z.record(
    z.string(),
    z.object({
      distinct: z.number().int(),
      top: z.array(z.object({ value: z.string(), count: z.number().int() })),
    }),
  ),
  group_by: z.array(z.string()),
  /** The largest groups. */
  groups: z.array(
    z.object({
      key: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
      count: z.number().int(),
      sums: z.record(z.string(), z.number()),
      means: z.record(z.string(), z.number().nullable()),
    }),
  ),
});

export const DataProcessingResult = z.object({
  source: z.object({ kind: z.string(), name: z.string().nullable() }),
  fields: z.array(z.object({ name: z.string(), type: z.string() })),
  counts: RowCounts.extend({ repairs_by_field: z.record(z.string(), z.number().int()) }),
  ...AggregateReport.shape,
  /** How many groups there are (`groups` holds the largest; all of them are in the groups.csv artifact). */
  groups_total: z.number().int(),
  artifacts: z.array(z.object({ name: z.string(), content_type: z.string(), size: z.number().int() })),
});
export type DataProcessingResult = z.output<typeof DataProcessingResult>;
