/**
 * What a watch or submitAndWait still running rejects with once its client is closed (`close()`, or
 * the end of its `using` scope): named `AbortError`, as an aborted fetch is. The task itself goes on.
 */
export class ClientClosedError extends Error {
  override name = 'AbortError';
  /** The task that was being followed, if any. */
  readonly taskId: string | undefined;

  constructor(taskId?: string, options?: ErrorOptions) {
    super(
      taskId
        ? `the client was closed while following task ${taskId}; the task goes on (watch it with an open client)`
        : 'the client was closed',
      options,
    );
    this.taskId = taskId;
  }
}

/** Whether `error` is, or was caused by, a closed client (tRPC wraps what a link fails with). */
export function isClientClosed(error: unknown): boolean {
  return (
    error instanceof ClientClosedError || (error instanceof Error && error.cause instanceof ClientClosedError)
  );
}
