import { z } from 'zod';

/**
 * Every error the service reports carries one of these codes. The HTTP status of each code is
 * defined here, once; the API maps the same table to tRPC codes.
 */
export const ERROR_HTTP_STATUS = {
  BAD_REQUEST: 400,
  INVALID_PARAMS: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RESULT_NOT_READY: 409,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  QUEUE_FULL: 429,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof ERROR_HTTP_STATUS;
export const ApiErrorCode = z.enum(Object.keys(ERROR_HTTP_STATUS) as [ApiErrorCode, ...ApiErrorCode[]]);

/** Codes stored on a failed task (`task.error.code`). */
export const TASK_ERROR_CODES = [
  'WORKFLOW_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'DEPENDENCY_FAILED',
  'UNKNOWN_WORKFLOW',
  /** Params the contract or the workflow refuses (a workflow's WorkflowInputError too). */
  'INVALID_PARAMS',
  /** An input the workflow reads is not there (a workflow's WorkflowInputError: a missing data file). */
  'NOT_FOUND',
  'WORKER_LOST',
  'RESOURCE_LIMIT',
  /** The run's result is over the worker's MAX_RESULT_BYTES: large outputs belong in artifacts. */
  'RESULT_TOO_LARGE',
  /** A wait's deadline passed and the waiting node declared no timeout action. */
  'WAIT_TIMEOUT',
  /** Child tasks did not complete and the waiting node chose to fail (graph's `childResults`). */
  'CHILD_FAILED',
] as const;
export const TaskErrorCode = z.enum(TASK_ERROR_CODES);
export type TaskErrorCode = z.infer<typeof TaskErrorCode>;

/** The error stored on a failed task and returned with it. */
export const TaskError = z.object({
  code: z.string(),
  message: z.string(),
  stack: z.string().nullable().optional(),
  node_id: z.string().nullable().optional(),
  attempt: z.number().int().optional(),
});
export type TaskError = z.infer<typeof TaskError>;

/**
 * A task's error as answers carry it: without the stack, which names server paths (it stays in the
 * database and the worker's log). Parsing an output with this schema drops it.
 */
export const TaskErrorView = TaskError.omit({ stack: true });
export type TaskErrorView = z.infer<typeof TaskErrorView>;

/** One problem with an input: where it is (`tasks.3.params.rows`; '' for the input itself) and what. */
export const InputIssue = z.object({ path: z.string(), message: z.string() });
export type InputIssue = z.infer<typeof InputIssue>;

/** Body of every 4xx/5xx REST answer. */
export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  issues: z.array(InputIssue).optional(),
  /** When to try again (RATE_LIMITED, QUEUE_FULL, UNAVAILABLE), as the Retry-After header says over HTTP. */
  retry_after_seconds: z.number().int().min(0).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** An input issue's message for a key a strict object does not declare (zod's and the params' JSON Schema check). */
export const UNEXPECTED_PROPERTY = 'unexpected property';

/** An input issue's message for a key a caller left out (zod's and the params' JSON Schema check). */
export const REQUIRED = 'required';

/**
 * zod's word for a missing key is JavaScript's ("expected string, received undefined"); its issues do not
 * carry the input, so the message tells.
 */
const isMissing = (issue: z.core.$ZodIssue) =>
  issue.code === 'invalid_type' && issue.message.endsWith('received undefined');

/**
 * A zod error's issues, each path joined with dots under `prefix`. Unknown keys, which zod reports once
 * at the object's path, become one issue each at the key's own path (`tasks.0.priorty`); a missing key
 * is `required`.
 */
export function issuesOf(error: z.ZodError, prefix = ''): InputIssue[] {
  const pathOf = (segments: readonly PropertyKey[]) =>
    [prefix, ...segments.map(String)].filter(Boolean).join('.');
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: UNEXPECTED_PROPERTY }))
      : [{ path: pathOf(issue.path), message: isMissing(issue) ? REQUIRED : issue.message }],
  );
}

/** Issues in one line, the first five: `rows: expected number; name: required (and 2 more)`. */
export function issuesInLine(issues: readonly InputIssue[]): string {
  const parts = issues
    .slice(0, 5)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `${parts.join('; ')}${more}`;
}

export interface DomainErrorOptions {
  issues?: InputIssue[];
  /** For RATE_LIMITED and QUEUE_FULL: when a retry may succeed. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * The one error class the domain throws at callers. The API maps `code` to an HTTP status
 * (ERROR_HTTP_STATUS) and a tRPC code in one place.
 *
 * @example throw new DomainError('NOT_FOUND', `task ${id} not found`);
 */
export class DomainError extends Error {
  readonly code: ApiErrorCode;
  readonly issues: InputIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ApiErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  /**
   * A 400 naming each issue of an input that failed its schema (paths under `prefix`).
   *
   * @example throw DomainError.invalidInput('invalid group', parsed.error);
   */
  static invalidInput(message: string, error: z.ZodError, prefix = ''): DomainError {
    return new DomainError('BAD_REQUEST', message, { issues: issuesOf(error, prefix) });
  }
}
