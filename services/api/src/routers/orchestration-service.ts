import { DomainError } from '@kaygraph/contracts';
import type { OrchestrationService } from '@kaygraph/tasks';
import type { Context } from '../context.ts';

/** The server's groups/schedules/dead-letters service; UNAVAILABLE (503) when it was started without one. */
export function orchestrationOf(ctx: Context): OrchestrationService {
  const service = ctx.services.orchestration;
  if (!service) {
    throw new DomainError('UNAVAILABLE', 'groups, schedules and dead letters are not enabled on this server');
  }
  return service;
}

/** `errors()` answers name tasks; these routes answer about their own resource. */
export function notFoundOf(what: string): Record<number, string> {
  return { 404: `No such ${what} (or not visible to this caller)` };
}
