import { DomainError } from '@kaygraph/contracts';

/**
 * BAD_REQUEST when one call carries more than `max` (MAX_BATCH_SIZE) tasks: submitMany, a group's
 * tasks. The message names the limit, so a client knows to split the call.
 */
export function assertBatchSize(max: number, count: number, path = 'tasks'): void {
  if (count <= max) return;
  const message = `${count} tasks in one call; at most ${max} (MAX_BATCH_SIZE): split them over several calls`;
  throw new DomainError('BAD_REQUEST', message, { issues: [{ path, message: `at most ${max} items` }] });
}
