import type { NodeMetric, TaskError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { type Transaction, uuidArray } from '../db.ts';
import type { StoredCheckpoint } from './run-workflow.ts';

/** A job the dispatcher fetched: its task and the pg-boss attempt. */
export interface FetchedJob {
  queue: string;
  jobId: string;
  taskId: string;
  /** pg-boss retry_count of this claim (0 on the first). */
  retryCount: number;
  retryLimit: number;
}

/** A task this worker now runs: the claim fences every later write (`attempt` + status running). */
export interface ClaimedTask {
  job: FetchedJob;
  taskId: string;
  owner: string;
  workflow: string;
  params: Record<string, unknown>;
  checkpoint: StoredCheckpoint | null;
  timeoutSeconds: number;
  attempt: number;
  step: string | null;
  message: string | null;
  /** Results of the task's dependencies by task id (chaining); empty without dependencies. */
  dependencyResults: Record<string, unknown>;
  /** When this process claimed the task (performance.now()): its `running` event is the task's first row. */
  claimedAt: number;
  /**
   * The last progress event subscribers were sent, or null when there was none: at the claim, the stored
   * progress of an earlier attempt when above 0 (a stored 0 cannot be told from none), then each progress
   * this attempt writes. A completion adds a `progress` 100 event only when this is a number below 100.
   */
  shownProgress: number | null;
}

export interface CheckpointWrite {
  claim: ClaimedTask;
  checkpoint: StoredCheckpoint;
}

/** Stores checkpoints of running attempts; an attempt that no longer owns its task writes nothing. */
export async function saveCheckpoints(tx: Transaction, writes: readonly CheckpointWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const input = JSON.stringify(
    writes.map((w) => ({
      id: w.claim.taskId,
      attempt: w.claim.attempt,
      checkpoint: w.checkpoint,
      was: 'running',
    })),
  );
  await tx.execute(sql`
    update tasks t set checkpoint = x.checkpoint, updated_at = now()
    from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, checkpoint jsonb, was text)
    where t.id = x.id and t.attempt = x.attempt and t.status = x.was
      and t.id = any(${uuidArray(writes.map((w) => w.claim.taskId))})`);
}

export type { NodeMetric, TaskError };
