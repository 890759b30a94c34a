-- Room in every page for a row's next version, so claims and progress writes stay HOT (same page). Set
-- first: adding the stored generated column below rewrites the table, and the rewrite leaves that room.
ALTER TABLE "tasks" SET (fillfactor = 80);--> statement-breakpoint
DROP INDEX "tasks_status_idx";--> statement-breakpoint
DROP INDEX "tasks_workflow_status_idx";--> statement-breakpoint
DROP INDEX "tasks_owner_active_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "finished_status" text GENERATED ALWAYS AS (case when completed_at is not null then status end) STORED;--> statement-breakpoint
CREATE INDEX "tasks_workflow_created_idx" ON "tasks" USING btree ("workflow","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_active_created_idx" ON "tasks" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."completed_at" is null;--> statement-breakpoint
CREATE INDEX "tasks_finished_status_idx" ON "tasks" USING btree ("finished_status","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."finished_status" is not null;--> statement-breakpoint
CREATE INDEX "tasks_owner_active_idx" ON "tasks" USING btree ("owner","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."completed_at" is null;--> statement-breakpoint
-- Rows written before the check existed are brought in line with it (none are expected to differ).
UPDATE "tasks" SET "completed_at" = "updated_at" WHERE "completed_at" IS NULL AND "status" NOT IN ('pending', 'blocked', 'scheduled', 'queued', 'running');--> statement-breakpoint
UPDATE "tasks" SET "completed_at" = NULL WHERE "completed_at" IS NOT NULL AND "status" IN ('pending', 'blocked', 'scheduled', 'queued', 'running');--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_completed_at_iff_finished" CHECK (("tasks"."completed_at" is null) = ("tasks"."status" in ('pending', 'blocked', 'scheduled', 'queued', 'running')));
