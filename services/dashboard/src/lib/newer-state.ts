import type { TaskSummary } from '@kaygraph/contracts';

/** A listed task (a page the api answered), or the live store's state of it when that is newer. */
export function newerState(listed: TaskSummary, live: TaskSummary | undefined): TaskSummary {
  return live && Date.parse(live.updated_at) > Date.parse(listed.updated_at) ? live : listed;
}
