import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, real, text, uuid } from 'drizzle-orm/pg-core';
import { ts, tsvector } from './columns.ts';
import { tasks } from './tasks.ts';

/** Chunks written by document_indexing: vector (hashing TF-IDF) and full-text index. */
export const documentChunks = pgTable(
  'document_chunks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    owner: text('owner').notNull(),
    index: text('index_name').notNull(),
    taskId: uuid('task_id').references(() => tasks.id, { onDelete: 'set null' }),
    document: text('document').notNull(),
    chunkNo: integer('chunk_no').notNull(),
    content: text('content').notNull(),
    embedding: real('embedding').array().notNull(),
    tsv: tsvector('tsv').notNull().generatedAlwaysAs(sql`to_tsvector('english', content)`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('document_chunks_owner_index_idx').on(t.owner, t.index),
    index('document_chunks_tsv_idx').using('gin', t.tsv),
  ],
);
