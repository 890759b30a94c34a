CREATE TABLE "workers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone,
	"reaped_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "worker_id" uuid;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "job_retry_count" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "job_retry_limit" integer;--> statement-breakpoint
CREATE INDEX "workers_unreaped_idx" ON "workers" USING btree ("last_seen_at") WHERE "workers"."reaped_at" is null;--> statement-breakpoint
ALTER TABLE "tasks" DROP COLUMN "heartbeat_at";