export { type BuiltinWorkflows, builtins } from './builtins.ts';
export { catalog } from './catalog.ts';
export { type Catalog, createCatalog } from './catalog-core.ts';
export { type ChildResultOf, runChildrenOf } from './children.ts';
export { GLOBAL_WORKFLOW_DEFAULTS, withGlobalDefaults } from './defaults.ts';
export {
  type AnyWorkflow,
  defineWorkflow,
  type NoSignals,
  type SignalSchemas,
  type WorkflowByName,
  type WorkflowConfig,
  type WorkflowDefinition,
  type WorkflowGraph,
  type WorkflowMapOf,
  type WorkflowNames,
  type WorkflowParams,
  type WorkflowResult,
  type WorkflowRunInfo,
  type WorkflowShared,
  type WorkflowSignalName,
  type WorkflowSignalPayload,
  type WorkflowSignals,
} from './define.ts';
export { NonRetriableError, WorkflowInputError } from './errors.ts';
export { attemptOf, chain, servicesOf, sleep, throwIfAborted, type WorkflowRunParams } from './run-params.ts';
export { type CreateServicesOptions, createServices } from './services/create-services.ts';
export { resolveDataFile } from './services/data-dir.ts';
export {
  type CreatePostgresServicesOptions,
  createPostgresServices,
  type PostgresServicesOptions,
  postgresServices,
} from './services/postgres.ts';
export { searchDocuments } from './services/search.ts';
export type * from './services/types.ts';
export { waitForDeclared } from './signals.ts';
export { analyze, preprocess, report, urgentAnalysis } from './workflows/chain.ts';
export {
  AnalyzeParams,
  AnalyzeResult,
  PreprocessParams,
  PreprocessResult,
  ReportParams,
  ReportResult,
} from './workflows/chain-params.ts';
export {
  type Approval,
  ContentReviewParams,
  ContentReviewResult,
  ContentReviewSignals,
  contentReview,
} from './workflows/content-review/index.ts';
export { DailyReportParams, DailyReportResult, dailyReport } from './workflows/daily-report.ts';
export {
  DataProcessingParams,
  DataProcessingResult,
  dataProcessing,
} from './workflows/data-processing/index.ts';
export {
  DataPartitionParams,
  DataPartitionResult,
  dataProcessingPartition,
} from './workflows/data-processing/partition-workflow.ts';
export { DemoFailure, DemoParams, DemoResult, demo } from './workflows/demo.ts';
export {
  DocumentIndexingParams,
  DocumentIndexingResult,
  documentIndexing,
} from './workflows/document-indexing/index.ts';
export { ModelTrainingParams, ModelTrainingResult, modelTraining } from './workflows/model-training/index.ts';
export { ProcessItemParams, ProcessItemResult, processItem } from './workflows/process-item.ts';
