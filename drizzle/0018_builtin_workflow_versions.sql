-- Versions the service's built-in catalog registered: a worker of an app's own workflows refuses to take
-- one of their names unless the workflow says it replaces the built-in (packages/tasks/src/registry).
ALTER TABLE "workflow_versions" ADD COLUMN "builtin" boolean DEFAULT false NOT NULL;
