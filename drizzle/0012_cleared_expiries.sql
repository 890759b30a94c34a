-- The cleaner walked every expired task on each pass, cleared or not; it now marks what it cleared, and
-- the index of expiries holds only those left to clear. Rows already cleared are marked here.
DROP INDEX "tasks_expires_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "cleared_expires_at" timestamp with time zone;--> statement-breakpoint
UPDATE "tasks" t SET "cleared_expires_at" = t."expires_at"
WHERE t."expires_at" <= now() AND t."result" IS NULL AND t."checkpoint" IS NULL
  AND NOT EXISTS (SELECT 1 FROM "task_events" e WHERE e."task_id" = t."id")
  AND NOT EXISTS (SELECT 1 FROM "task_artifacts" a WHERE a."task_id" = t."id")
  AND NOT EXISTS (SELECT 1 FROM "task_signals" s WHERE s."task_id" = t."id");--> statement-breakpoint
CREATE INDEX "tasks_expires_idx" ON "tasks" USING btree ("expires_at") WHERE "tasks"."expires_at" is not null and "tasks"."cleared_expires_at" is distinct from "tasks"."expires_at";
