import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { workers } from './workers.ts';

/**
 * The registry: every version of a workflow some worker (or a publish) registered, with the JSON Schemas
 * the api validates submits against. `version` is the workflow's declared version or a hash of its
 * schemas and defaults.
 */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    name: text('name').notNull(),
    version: text('version').notNull(),
    description: text('description').notNull(),
    aliases: text('aliases').array().notNull().default(sql`'{}'::text[]`),
    paramsSchema: jsonb('params_schema').notNull(),
    resultSchema: jsonb('result_schema'),
    /** JSON Schema of each declared signal's payload, by signal name. */
    signalsSchema: jsonb('signals_schema').notNull().default({}),
    defaults: jsonb('defaults').notNull(),
    /** Registered by the service's built-in catalog: an app's workflow may not take its name unawares. */
    builtin: boolean('builtin').notNull().default(false),
    firstRegisteredAt: ts('first_registered_at').notNull().defaultNow(),
    lastRegisteredAt: ts('last_registered_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

/** Which worker serves which workflow version; a worker counts while its `workers` row is live. */
export const workerWorkflows = pgTable(
  'worker_workflows',
  {
    workerId: uuid('worker_id')
      .notNull()
      .references(() => workers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    version: text('version').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workerId, t.name, t.version] }),
    index('worker_workflows_version_idx').on(t.name, t.version),
  ],
);
