/** Statuses a procedure documents itself: what they mean depends on its domain (openapi-statuses.ts decides the rest). */
export type OwnErrorStatus = 403 | 404 | 409;

const DESCRIPTIONS: Record<OwnErrorStatus, string> = {
  403: 'Not allowed for this caller',
  404: 'No such task (or not visible to this caller)',
  409: 'Conflicts with the task state (RESULT_NOT_READY, CONFLICT)',
};

/**
 * The error answers a REST operation documents itself (403, 404, 409 with what they mean there); the
 * statuses that follow from what the operation is (a body, a key, the database, limits) are added by
 * openapi-statuses.ts. Every body is an ErrorBody.
 */
export function errors(...statuses: OwnErrorStatus[]): Record<number, string> {
  return Object.fromEntries(statuses.map((status) => [status, DESCRIPTIONS[status]]));
}
