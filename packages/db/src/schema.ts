/**
 * Every table of the database, one concept per module in `schema/`. This is the one module drizzle-kit
 * (drizzle.config.ts) and `@kaygraph/db`'s exports read; the column helpers of `schema/columns.ts` stay inside.
 */
export * from './schema/api-keys.ts';
export * from './schema/artifacts.ts';
export * from './schema/dependencies.ts';
export * from './schema/document-chunks.ts';
export * from './schema/events.ts';
export * from './schema/groups.ts';
export * from './schema/owner-queue-counts.ts';
export * from './schema/rate-limit-buckets.ts';
export * from './schema/schedules.ts';
export * from './schema/signals.ts';
export * from './schema/stream-token-secret.ts';
export * from './schema/tasks.ts';
export * from './schema/workers.ts';
export * from './schema/workflow-controls.ts';
export * from './schema/workflow-rate-limits.ts';
export * from './schema/workflow-registry.ts';
