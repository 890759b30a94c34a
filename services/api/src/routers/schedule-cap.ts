import { DomainError } from '@kaygraph/contracts';
import type { Caller, OrchestrationService } from '@kaygraph/tasks';

const PAGE = 200;

/**
 * Refuses a new schedule when the caller's owner already has `max` (MAX_SCHEDULES_PER_OWNER), counted
 * through the schedules service's own list as that owner sees it (an admin's list spans every owner).
 * Two creates racing at the cap may both pass: the cap bounds a flood, it is not a ledger.
 */
export async function checkScheduleCap(
  orchestration: OrchestrationService,
  caller: Caller,
  max: number | undefined,
): Promise<void> {
  if (max === undefined) return;
  const owner: Caller = { owner: caller.owner, admin: false };
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await orchestration.schedules.list(owner, { limit: Math.min(PAGE, max), cursor });
    count += page.items.length;
    cursor = page.next_cursor ?? undefined;
  } while (cursor && count < max);
  if (count >= max) {
    throw new DomainError(
      'CONFLICT',
      `schedule limit reached: ${caller.owner} has ${max} schedules (MAX_SCHEDULES_PER_OWNER); delete one first`,
    );
  }
}
