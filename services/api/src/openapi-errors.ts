import type { ERROR_HTTP_STATUS } from '@kaygraph/contracts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: ErrorBody with the failing fields in `issues`',
  401: 'No or unknown credentials',
  403: 'Not allowed for this caller',
  404: 'No such task (or not visible to this caller)',
  409: 'Conflicts with the task state (RESULT_NOT_READY, CONFLICT)',
  413: 'Request body too large',
  429: 'Too many unfinished tasks (QUEUE_FULL) or requests (RATE_LIMITED); see Retry-After (absent: a batch larger than the key may ever send at once, to split)',
  500: 'Internal error',
  503: 'Unavailable: this api was started without the feature, or the database is unreachable',
};

/** The documented error answers of a REST operation (always plus 500); every body is an ErrorBody. */
export function errors(...statuses: (typeof ERROR_HTTP_STATUS)[keyof typeof ERROR_HTTP_STATUS][]) {
  return Object.fromEntries([...statuses, 500].map((status) => [status, DESCRIPTIONS[status] ?? 'Error']));
}
