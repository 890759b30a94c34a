import { analyze, preprocess, report, urgentAnalysis } from './workflows/chain.ts';
import { contentReview } from './workflows/content-review/index.ts';
import { dailyReport } from './workflows/daily-report.ts';
import { dataProcessing } from './workflows/data-processing/index.ts';
import { dataProcessingPartition } from './workflows/data-processing/partition-workflow.ts';
import { demo } from './workflows/demo.ts';
import { documentIndexing } from './workflows/document-indexing/index.ts';
import { modelTraining } from './workflows/model-training/index.ts';
import { processItem } from './workflows/process-item.ts';

/** The built-in workflows by name. */
export const builtins = {
  content_review: contentReview,
  daily_report: dailyReport,
  data_processing: dataProcessing,
  data_processing_partition: dataProcessingPartition,
  demo,
  document_indexing: documentIndexing,
  model_training: modelTraining,
  // the spec's orchestration examples: chaining, groups and priority
  preprocess,
  analyze,
  report,
  urgent_analysis: urgentAnalysis,
  process_item: processItem,
} as const;

export type BuiltinWorkflows = typeof builtins;
