export { type Caller, listedOwner, mayAccess } from './caller.ts';
export {
  type CatalogWorkflow,
  type CreateRunServices,
  isWorkflowsModule,
  type RunServicesOptions,
  type WorkflowCatalog,
  type WorkflowRunInfo,
  type WorkflowsModule,
} from './catalog.ts';
export type { TaskContext } from './context.ts';
export {
  connectionLostCode,
  isConnectionLost,
  isDataException,
  isPoolClosing,
  isStatementTimeout,
} from './database-errors.ts';
export type { EventBus, LiveEvent } from './events/event-bus.ts';
export { logSerializers } from './log-serializers.ts';
export type { CleanupReport } from './maintenance/cleaner.ts';
export type {
  DeadLetterService,
  GroupService,
  OrchestrationService,
  ScheduleService,
} from './orchestration/orchestration-service.ts';
export type { Issue } from './registry/json-schema-check.ts';
export type { ParamsCheck, RegisteredWorkflow, SignalCheck } from './registry/registered-workflow.ts';
export { WorkflowRegistry } from './registry/workflow-registry.ts';
export { versionRecordOf } from './registry/workflow-version.ts';
export { SchemaMissingError } from './schema-missing.ts';
export type { ArtifactDownload } from './service/artifact-download.ts';
export type { ListTasksQuery } from './service/queries.ts';
export type { FeedOptions, TaskService } from './service/task-service.ts';
export { DEFAULT_STATEMENT_TIMEOUT_SECONDS, statementTimeoutMs } from './statement-timeout.ts';
export { DEAD_LETTER_QUEUE, type JobQueue, workflowQueue } from './store/boss.ts';
/** Appends events to existing tasks (the one event writer), for tools that write task rows (benchmarks). */
export { appendEvents, type NewTaskEvent, statusEvent, TASK_EVENTS_CHANNEL } from './store/events.ts';
export type { QueueRef, QueueTuning } from './store/jobs.ts';
export type { WorkflowVersionRecord } from './store/registry.ts';
export { createTaskSystem, type TaskSystem, type TaskSystemOptions } from './system.ts';
export { resolveWorkflowsModule, WorkflowsModuleError } from './worker/load-workflows-module.ts';
export type { WorkerOptions, WorkerRuntime } from './worker/runtime.ts';
