import type { PgBoss, Queue } from 'pg-boss';
import type { WorkflowCatalog } from '../catalog.ts';
import { DEAD_LETTER_QUEUE, workflowQueue } from './names.ts';
import type { QueueTuning } from './tuning.ts';

/**
 * Creates (or updates) the dead-letter queue and one queue per workflow of the catalog. The per-queue
 * values are defaults only: every job is sent with its own retry/expiry options (see job-options.ts), so
 * a changed workflow default applies to new tasks at once. `notify: true` makes every insert NOTIFY the
 * pg-boss channel, which wakes our dispatchers.
 */
export async function ensureQueues(
  boss: PgBoss,
  catalog: WorkflowCatalog,
  tuning: QueueTuning,
): Promise<void> {
  await upsertQueue(boss, DEAD_LETTER_QUEUE, {
    // Dead letters are kept for inspection and redrive, not run by our workers.
    retentionSeconds: tuning.deadLetterRetentionSeconds,
    deleteAfterSeconds: tuning.deadLetterRetentionSeconds,
  });
  for (const workflow of catalog.list()) {
    const defaults = workflow.defaults;
    await upsertQueue(boss, workflowQueue(workflow.name), {
      deadLetter: DEAD_LETTER_QUEUE,
      retryLimit: defaults.max_retries,
      retryDelay: defaults.retry_delay_seconds,
      retryBackoff: defaults.retry_backoff,
      expireInSeconds: expirySeconds(defaults.timeout_seconds, tuning),
      heartbeatSeconds: tuning.heartbeatSeconds,
      deleteAfterSeconds: tuning.completedJobRetentionSeconds,
      notify: true,
    });
  }
}

/**
 * pg-boss expiry of a job whose task times out after `timeoutSeconds`. The worker enforces the timeout
 * itself (it aborts the graph and records TIMEOUT); the pg-boss expiry is the backstop for a worker that
 * died or hung, so it leaves the worker its abort grace first. pg-boss requires < 24 h.
 */
export function expirySeconds(timeoutSeconds: number, tuning: QueueTuning): number {
  return Math.min(timeoutSeconds + tuning.abortGraceSeconds + 5, 86_399);
}

type QueueSettings = Omit<Queue, 'name'>;

async function upsertQueue(boss: PgBoss, name: string, settings: QueueSettings): Promise<void> {
  const existing = await boss.getQueue(name);
  if (existing) {
    await boss.updateQueue(name, settings);
    return;
  }
  await boss.createQueue(name, settings);
}
