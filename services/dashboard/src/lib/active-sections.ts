import type { TaskStatus, TaskSummary } from '@kaygraph/contracts';
import { COUNT_GROUPS, type Count, type Counts } from './status-counts.ts';

/** The unfinished status groups, in the order an operator needs them: those waiting for a person first. */
export const ACTIVE_KEYS = ['waiting', 'running', 'blocked', 'scheduled', 'queued'] as const;
export type ActiveKey = (typeof ACTIVE_KEYS)[number];

/** Rows a section lists before "Show more": a backlog never pushes the other sections out of sight. */
export const SECTION_ROWS = 25;

export interface ActiveSection {
  key: ActiveKey;
  /** The newest of the group's tasks the page holds, at most its limit. */
  rows: TaskSummary[];
  /** Tasks of the group not listed: the count's own (a lower bound stays one), less the rows shown. */
  more: Count;
  /** Whether the page holds more of them than it lists ("Show more" can reveal them). */
  canShowMore: boolean;
}

/**
 * The Active page's list, one section per status group. `counts` are what the cards show (the server's,
 * or the page's own lower bounds); a section's "more" is taken from them, never from the page's cap.
 * Sections with nothing in them and nothing counted are left out.
 */
export function activeSections(
  tasks: readonly TaskSummary[],
  counts: Counts | null,
  limits: Partial<Record<ActiveKey, number>> = {},
): ActiveSection[] {
  return ACTIVE_KEYS.flatMap((key) => {
    const statuses: readonly TaskStatus[] = COUNT_GROUPS[key];
    const held = tasks
      .filter((task) => statuses.includes(task.status))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    const rows = held.slice(0, limits[key] ?? SECTION_ROWS);
    // The counts can trail the live list by a moment (re-read at most once a second): never below it.
    const counted = counts?.[key] ?? { value: held.length, atLeast: true };
    const more = { value: Math.max(counted.value, held.length) - rows.length, atLeast: counted.atLeast };
    if (rows.length === 0 && more.value === 0) return [];
    return [{ key, rows, more, canShowMore: held.length > rows.length }];
  });
}
