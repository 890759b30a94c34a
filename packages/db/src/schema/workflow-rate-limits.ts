import { sql } from 'drizzle-orm';
import { pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * The recent task starts of each rate-limited workflow (`defaults.rate_limit`), by name across its versions:
 * the claims of its tasks lock the row, count the starts in the window and add their own
 * (store/rate-slots.ts). Written by the first claim of the workflow.
 */
export const workflowRateLimits = pgTable('workflow_rate_limits', {
  name: text('name').primaryKey(),
  /** The newest starts (claim times), newest first, at most the limit's `max` of them. */
  recentStarts: ts('recent_starts').array().notNull().default(sql`'{}'::timestamptz[]`),
});
