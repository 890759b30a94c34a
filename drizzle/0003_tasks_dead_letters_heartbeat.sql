ALTER TABLE "tasks" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "dead_lettered_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tasks_dead_lettered_idx" ON "tasks" USING btree ("dead_lettered_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."dead_lettered_at" is not null;