export {
  type Caller,
  type CatalogWorkflow,
  type CreateRunServices,
  isWorkflowsModule,
  type RunServicesOptions,
  type WorkflowCatalog,
  type WorkflowRunInfo,
  type WorkflowsModule,
} from './catalog.ts';
export type { EventBus, LiveEvent } from './events/event-bus.ts';
export type { CleanupReport } from './maintenance/cleaner.ts';
export type {
  DeadLetterService,
  GroupService,
  OrchestrationService,
  ScheduleService,
} from './orchestration/orchestration-service.ts';
export { SCHEDULES_QUEUE } from './orchestration/schedule-queue.ts';
export { DEAD_LETTER_QUEUE, workflowQueue } from './queue/names.ts';
export type { QueueTuning } from './queue/tuning.ts';
export type { TaskContext } from './service/context.ts';
export type { ListTasksQuery } from './service/queries.ts';
export type { FeedOptions, TaskService } from './service/task-service.ts';
export { createTaskSystem, type TaskSystem, type TaskSystemOptions } from './system.ts';
export { resolveWorkflowsModule } from './worker/load-workflows-module.ts';
export type { WorkerOptions, WorkerRuntime } from './worker/runtime.ts';
