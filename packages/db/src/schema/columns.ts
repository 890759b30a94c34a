import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Column types the table modules share: drizzle has no built-in bytea or tsvector. */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
export const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** Every timestamp is `timestamptz`, read as a Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
