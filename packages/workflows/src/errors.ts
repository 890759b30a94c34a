import { type ApiErrorCode, DomainError } from '@kaygraph/contracts/run-contracts';

/**
 * Bad input a retry cannot fix (a missing file, a path outside the data directory, params that do
 * not fit the data): `retriable: false` tells the task runtime to fail the task at once.
 */
export class WorkflowInputError extends DomainError {
  readonly retriable = false;

  constructor(code: Extract<ApiErrorCode, 'INVALID_PARAMS' | 'NOT_FOUND'>, message: string) {
    super(code, message);
    this.name = 'WorkflowInputError';
  }
}

/**
 * A failure a retry cannot fix (a declined card, a deleted account): the task fails at once with its
 * message, whatever retries it has left, as Trigger.dev's `AbortTaskRunError`.
 *
 * @example
 * if (response.status === 402) throw new NonRetriableError(`card ${cardId} declined`);
 */
export class NonRetriableError extends Error {
  readonly retriable = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NonRetriableError';
  }
}
