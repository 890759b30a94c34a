-- A task lists only its most recent node steps in `metrics`: a graph that loops would otherwise store one
-- per step without end. What left the list is counted here, and every step is summed per node. Nullable
-- columns, no backfill: rows written before keep every step in `metrics`, and readers sum those.
ALTER TABLE "tasks" ADD COLUMN "metrics_omitted" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "metrics_by_node" jsonb;
