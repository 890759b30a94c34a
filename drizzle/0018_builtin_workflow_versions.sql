-- Versions the service's built-in catalog registered: a worker of an app's own workflows refuses to take
-- one of their names unless the workflow says it replaces the built-in (packages/tasks/src/registry).
ALTER TABLE "workflow_versions" ADD COLUMN "builtin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Versions registered before this migration are the built-ins' if they bear a built-in's name. The list is
-- the built-in workflows as of this migration (a snapshot in time): later built-ins are marked as they register.
UPDATE "workflow_versions" SET "builtin" = true WHERE "name" IN (
	'analyze', 'content_review', 'daily_report', 'data_processing', 'data_processing_partition', 'demo',
	'document_indexing', 'model_training', 'preprocess', 'process_item', 'report', 'urgent_analysis'
);
