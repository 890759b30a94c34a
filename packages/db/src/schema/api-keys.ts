import { boolean, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    owner: text('owner').notNull(),
    /** sha256 of the key; the key itself is shown once, at creation. */
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    admin: boolean('admin').notNull().default(false),
    /** Submissions per minute; null: the service default. */
    rateLimitPerMinute: integer('rate_limit_per_minute'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash)],
);
