import { z } from 'zod';
import { FieldSpec } from '../lib/records.ts';
import { AggregateReport, RowCounts } from './data-processing/params.ts';

const Records = z.array(z.record(z.string(), z.unknown())).max(50_000);

export const PreprocessParams = z
  .strictObject({
    /** The rows to clean, inline... */
    records: Records.optional(),
    /** ...or generated sales rows. */
    generate: z
      .object({ rows: z.number().int().min(1).max(50_000), seed: z.number().int().default(1) })
      .optional(),
    /** Columns and rules; default: the sales schema for generated rows, else inferred. */
    schema: z.object({ fields: z.array(FieldSpec).min(1).max(200) }).optional(),
  })
  .refine((p) => (p.records === undefined) !== (p.generate === undefined), {
    message: 'give either records or generate',
    path: ['records'],
  });
export type PreprocessParams = z.output<typeof PreprocessParams>;

export const PreprocessResult = z.object({
  fields: z.array(z.object({ name: z.string(), type: z.string() })),
  records: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  counts: RowCounts,
});
export type PreprocessResult = z.output<typeof PreprocessResult>;

export const AnalyzeParams = z.strictObject({
  /** Rows to analyse; default: the `records` of the tasks this one depends on (e.g. `preprocess`). */
  records: Records.optional(),
  group_by: z.array(z.string()).max(5).default([]),
});
export type AnalyzeParams = z.output<typeof AnalyzeParams>;

export const AnalyzeResult = z.object({
  rows: z.number().int(),
  /** Task ids whose results were analysed. */
  sources: z.array(z.string()),
  ...AggregateReport.shape,
});
export type AnalyzeResult = z.output<typeof AnalyzeResult>;

export const ReportParams = z.strictObject({
  title: z.string().min(1).max(200).default('Analysis report'),
});
export type ReportParams = z.output<typeof ReportParams>;

export const ReportResult = z.object({
  title: z.string(),
  sources: z.array(z.string()),
  markdown: z.string(),
  artifacts: z.array(z.object({ name: z.string(), content_type: z.string(), size: z.number().int() })),
});
export type ReportResult = z.output<typeof ReportResult>;
