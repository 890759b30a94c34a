import { pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Operator switches of a workflow, across its versions: one row per registered workflow (written when a
 * version registers), so a worker's claim always finds a row to lock against a pause (store/workflow-pauses.ts).
 */
export const workflowControls = pgTable('workflow_controls', {
  name: text('name').primaryKey(),
  /** Since when no worker claims the workflow's tasks (null: not paused). */
  pausedAt: ts('paused_at'),
  /** The owner (API key) that paused it; null while not paused. */
  pausedBy: text('paused_by'),
});
