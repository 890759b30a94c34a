-- The cleaner walked every expired task on each pass, cleared or not; it now marks what it cleared, and
-- the index of expiries holds only those left to clear. Rows cleared before are marked by the cleaner's
-- next passes (no backfill here: it would rewrite every expired row while the migration locks tasks).
DROP INDEX "tasks_expires_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "cleared_expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tasks_expires_idx" ON "tasks" USING btree ("expires_at") WHERE "tasks"."expires_at" is not null and "tasks"."cleared_expires_at" is distinct from "tasks"."expires_at";
