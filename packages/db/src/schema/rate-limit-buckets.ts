import { doublePrecision, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Token buckets shared by every api replica. `leased`: tokens replicas took beyond what they spent and
 * hold until `leased_until` (then they give back what they did not spend): what a refused taker can
 * expect back before the refill brings it.
 */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  key: text('key').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  leased: doublePrecision('leased').notNull().default(0),
  leasedUntil: ts('leased_until'),
});
