/**
 * A checkpoint PostgreSQL refused: the run fails with it, not retried (the same store is refused again).
 * `retriable: false` is what the runtime reads, in a thread as inline. This module imports nothing: worker
 * threads load it too.
 */
export class CheckpointRefusedError extends Error {
  readonly retriable = false;

  constructor(message: string) {
    super(message);
    this.name = 'CheckpointRefusedError';
  }
}
