import { sql } from 'drizzle-orm';
import { check, pgTable, smallint } from 'drizzle-orm/pg-core';
import { bytea, ts } from './columns.ts';

/**
 * The one secret every api replica signs and checks stream tokens with (HMAC): 32 random bytes written by
 * the first replica that needs them, so a token made on one replica opens a stream on any other, and
 * outlives restarts. One row, ever.
 */
export const streamTokenSecret = pgTable(
  'stream_token_secret',
  {
    id: smallint('id').primaryKey().default(1),
    secret: bytea('secret').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [check('stream_token_secret_one_row', sql`${t.id} = 1`)],
);
