/** A usage mistake: the command prints it and exits 2. */
export class WorkerUsageError extends Error {
  override name = 'WorkerUsageError';
}
