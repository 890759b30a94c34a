import type { MessagePort } from 'node:worker_threads';
import type { LogLevel, ProgressReport } from '@kaygraph/graph';
import type { FailedReport, StoredCheckpoint, WorkflowRunRequest } from './run-workflow.ts';

/** What the main thread hands a pool thread for one task. */
export interface ThreadTask {
  /** Module specifier or absolute path of a module exporting `catalog`. */
  workflowsModule: string;
  /** For the module's `createServices`. */
  databaseUrl: string;
  servicesOptions: Record<string, unknown>;
  request: WorkflowRunRequest;
  /** The thread's end of a MessageChannel: progress, logs and checkpoints go out, acks and aborts come in. */
  port: MessagePort;
}

export type ThreadToMain =
  | { type: 'progress'; progress: ProgressReport }
  | { type: 'log'; level: LogLevel; message: string; data?: unknown }
  | { type: 'report-failed'; report: FailedReport; error: string }
  | { type: 'checkpoint'; id: number; checkpoint: StoredCheckpoint }
  /** The node the run was in when its abort arrived (null: between nodes). */
  | { type: 'aborted-in'; nodeId: string | null }
  /**
   * The run's last message: the outcome goes back by another way (the pool's), so the main thread waits for
   * this one to know that every report sent before it has arrived.
   */
  | { type: 'end' };

/** `refused`: why the database refused a checkpoint for what it holds (the run fails with it, not retried). */
export type MainToThread =
  | { type: 'ack'; id: number; ok: boolean; refused?: string }
  | { type: 'abort'; reason: string };
