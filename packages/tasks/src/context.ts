import type { Database } from '@kaygraph/db';
import type { Logger } from 'pino';
import type { TaskHistoryReader } from './events/task-history.ts';
import type { WorkflowRegistry } from './registry/workflow-registry.ts';
import type { JobQueue } from './store/boss.ts';
import type { QueueTuning } from './store/jobs.ts';

/** What the service, worker and orchestration code share: one per task system, passed down explicitly. */
export interface TaskContext {
  databaseUrl: string;
  db: Database;
  queue: JobQueue;
  /** The workflows workers registered: what submits are validated against. */
  workflows: WorkflowRegistry;
  tuning: QueueTuning;
  logger: Logger;
  /** Unfinished tasks one owner may have. */
  maxQueueSize: number;
  /** Tasks one call may carry (submitMany, a group's tasks) and dead letters one redrive takes. */
  maxBatchSize: number;
  /** Schedules one owner may have; undefined: no cap. */
  maxSchedulesPerOwner: number | undefined;
  /** Timeout of tasks whose submit and workflow give none (TASK_TIMEOUT). */
  defaultTimeoutSeconds: number;
  /** How long results and events of a finished task are kept. */
  resultTtlSeconds: number;
  /** The system's reader of task histories, shared by every stream of this system. */
  history: TaskHistoryReader;
  /** Ids of this process's running workers: its liveness monitor never takes them for dead. */
  localWorkers: Set<string>;
  /** `statement_timeout` of the system's connections, in milliseconds (0: the server's own setting). */
  statementTimeoutMs: number;
}
