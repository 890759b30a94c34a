import type { TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { newerState } from './newer-state.ts';
import { COUNT_GROUPS, type Count, type Counts } from './status-counts.ts';

/** The unfinished status groups, in the order an operator needs them: those waiting for a person first. */
export const ACTIVE_KEYS = ['waiting', 'running', 'blocked', 'scheduled', 'queued'] as const;
export type ActiveKey = (typeof ACTIVE_KEYS)[number];

/** Rows a section lists before "Show more": a backlog never pushes the other sections out of sight. */
export const SECTION_ROWS = 25;

/**
 * A section's tasks as the server ordered them (the queue: the order they will run), read with `status`
 * (one of the group's); the group's other statuses follow, newest first. `more`: the server has more, and
 * the page may list them.
 */
export interface ServerOrder {
  status: TaskStatus;
  items: readonly TaskSummary[];
  more: boolean;
}

export interface ActiveSection {
  key: ActiveKey;
  /** The group's tasks the page holds, at most its limit: in the server's order where it gave one, else newest first. */
  rows: TaskSummary[];
  /** Tasks of the group not listed: the count's own (a lower bound stays one), less the rows shown. */
  more: Count;
  /** Whether more of them can be listed ("Show more"). */
  canShowMore: boolean;
}

/**
 * The Active page's list, one section per status group. `counts` are what the cards show (the server's,
 * or the page's own lower bounds); a section's "more" is taken from them, never from the page's cap.
 * Sections with nothing in them and nothing counted are left out. A group with a `serverOrder` is listed in
 * that order, each task as the live store knows it when that is newer (one that moved on leaves the group).
 */
export function activeSections(
  tasks: readonly TaskSummary[],
  counts: Counts | null,
  limits: Partial<Record<ActiveKey, number>> = {},
  serverOrder: Partial<Record<ActiveKey, ServerOrder>> = {},
): ActiveSection[] {
  const known = new Map(tasks.map((task) => [task.task_id, task]));
  return ACTIVE_KEYS.flatMap((key) => {
    const statuses: readonly TaskStatus[] = COUNT_GROUPS[key];
    const order = serverOrder[key];
    const newestFirst = tasks
      .filter((task) => statuses.includes(task.status) && task.status !== order?.status)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    const ordered = (order?.items ?? [])
      .map((task) => newerState(task, known.get(task.task_id)))
      .filter((task) => statuses.includes(task.status));
    const held = [...ordered, ...newestFirst];
    const rows = held.slice(0, limits[key] ?? SECTION_ROWS);
    // The counts can trail the live list by a moment (re-read at most once a second): never below it.
    const counted = counts?.[key] ?? { value: held.length, atLeast: true };
    const more = { value: Math.max(counted.value, held.length) - rows.length, atLeast: counted.atLeast };
    if (rows.length === 0 && more.value === 0) return [];
    return [{ key, rows, more, canShowMore: held.length > rows.length || order?.more === true }];
  });
}
