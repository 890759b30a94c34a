import type { Database } from '@kaygraph/db';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { WorkflowCatalog } from '../catalog.ts';
import type { QueueTuning } from '../queue/tuning.ts';

/** What the service functions share: one per task system. */
export interface TaskContext {
  databaseUrl: string;
  db: Database;
  boss: PgBoss;
  catalog: WorkflowCatalog;
  tuning: QueueTuning;
  logger: Logger;
  /** Active (not yet finished) tasks one owner may have. */
  maxQueueSize: number;
  /** Timeout of tasks whose workflow declares none. */
  defaultTimeoutSeconds: number;
  /** How long results and events of a finished task are kept. */
  resultTtlSeconds: number;
}
