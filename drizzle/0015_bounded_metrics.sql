ALTER TABLE "tasks" ADD COLUMN "metrics_omitted" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "metrics_by_node" jsonb;